# why: a table of (types, range rule) per setting, each override checked as it is copied in
RULES = {
    "learning_rate": ((int, float), lambda value: 0 < value <= 1),
    "batch_size": ((int,), lambda value: value >= 1),
    "epochs": ((int,), lambda value: value >= 1),
    "optimizer": ((str,), lambda value: value in {"adam", "rmsprop", "sgd"}),
}
DEFAULTS = {"learning_rate": 0.001, "batch_size": 32, "epochs": 10, "optimizer": "adam"}


def load_config(overrides: dict) -> dict:
    """The training configuration: defaults, overridden by `overrides`, validated."""
    if not isinstance(overrides, dict):
        raise TypeError("overrides must be a dict")
    config = dict(DEFAULTS)
    for name, value in overrides.items():
        if name not in RULES:
            raise ValueError(f"unknown setting {name!r}")
        types, allowed = RULES[name]
        if isinstance(value, bool) or not isinstance(value, types):
            raise TypeError(f"{name}: wrong type {type(value).__name__}")
        if not allowed(value):
            raise ValueError(f"{name}: {value!r} is not allowed")
        config[name] = value
    config["learning_rate"] = float(config["learning_rate"])
    return config
