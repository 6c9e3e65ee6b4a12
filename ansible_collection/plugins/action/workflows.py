# Copyright: b3os-iac contributors
# Apache License 2.0 (see LICENSE at https://www.apache.org/licenses/LICENSE-2.0)

"""Action plugin of b3os.b3os.workflows: src and each item's definition_file are read on the controller."""

from __future__ import annotations

from ansible_collections.b3os.b3os.plugins.plugin_utils.b3os_action import B3OSActionBase


class ActionModule(B3OSActionBase):
    MODULE = "b3os.b3os.workflows"

    def module_args(self, args):
        items = args.get("workflows")
        if isinstance(items, list):
            args["workflows"] = [
                self._inline_definition_file(item, "workflows[%d].definition_file" % index)
                if isinstance(item, dict)
                else item
                for index, item in enumerate(items)
            ]
        if args.get("src") and args.get("src_files") is None:
            files = self._read_src(args["src"])
            if files is not None:
                args["src_files"] = files  # src stays: results and messages name the files under it
        return args
