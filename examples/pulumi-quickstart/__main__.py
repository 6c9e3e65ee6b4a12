"""The B3OS API quickstart as a Pulumi program: create, validate and publish one workflow.

`pulumi preview` validates the definition (naming node and field on errors); `pulumi up`
creates and publishes it; running `pulumi up` again changes nothing.
"""

import pulumi

import pulumi_b3os as b3os

logger = b3os.Workflow(
    "quickstart-logger",
    b3os.WorkflowArgs(
        name="API quickstart logger",
        description="A minimal workflow created from the API.",
        definition="workflow.json",  # a dict or JSON/YAML text works too
        state="published",
    ),
)

pulumi.export("workflow_id", logger.id)
pulumi.export("live_version", logger.live_version)
pulumi.export("trigger_secret", logger.trigger_secret)  # stays a secret in outputs and state
