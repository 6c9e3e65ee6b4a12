"""Several workflows from a folder of JSON files, grouped in one ComponentResource.

Each file of ./workflows is a workflow file as `b3os apply` reads it (name, description, state,
definition or definition_file, optional cooldown_ms / max_runs / visibility; `id` adopts an
existing workflow). Adding a file adds a workflow; deleting one archives it on the next `up`.
"""

import pulumi

import pulumi_b3os as b3os

team = b3os.WorkflowFolder("team", "workflows")

pulumi.export("workflow_ids", team.ids)
