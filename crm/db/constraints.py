"""Which model fields a database constraint covers, to name them in a 400 (crm.rest)."""


def fields_of(model, constraint_name: str) -> list[str]:
    """Fields of ``model``'s constraint ``constraint_name`` (unique constraints and together
    sets), without ``tenant`` (never a field of the API); [] when it is not one of them."""
    for constraint in model._meta.constraints:
        if constraint.name == constraint_name:
            fields = list(getattr(constraint, "fields", ()) or ())
            return [f for f in fields if f != "tenant"]
    for field in model._meta.concrete_fields:
        if field.unique and constraint_name.endswith("_key") and field.column in constraint_name:
            return [field.name]
    return []
