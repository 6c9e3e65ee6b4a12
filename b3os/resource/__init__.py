"""The generic resource layer: kinds as data, one engine (read → plan → apply → ensure) for all.

``b3os.resource.fields`` is the field table every front end reads; ``b3os.resource.kind`` the
contract each kind implements; ``b3os.kinds`` registers the kinds.
"""

from b3os.resource.fields import Field, FieldRole, FieldType
from b3os.resource.kind import Kind

__all__ = ["Field", "FieldRole", "FieldType", "Kind"]
