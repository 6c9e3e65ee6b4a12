# Copyright: b3os-iac contributors
# Apache License 2.0 (see LICENSE at https://www.apache.org/licenses/LICENSE-2.0)

"""Action plugin of b3os.b3os.workflow: definition_file is looked up and read on the controller."""

from __future__ import annotations

from ansible_collections.b3os.b3os.plugins.plugin_utils.b3os_action import B3OSActionBase


class ActionModule(B3OSActionBase):
    MODULE = "b3os.b3os.workflow"

    def module_args(self, args):
        return self._inline_definition_file(args)
