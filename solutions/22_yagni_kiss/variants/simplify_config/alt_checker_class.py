# why: a small helper class with a typed getter and a range check, one line per setting
class _Checker:
    def __init__(self, config):
        self.config = config

    def typed(self, name, *kinds):
        value = self.config[name]
        if isinstance(value, bool) or not isinstance(value, kinds):
            raise TypeError(f"{name} has the wrong type: {type(value).__name__}")
        return value

    def require(self, name, ok):
        if not ok:
            raise ValueError(f"{name} is out of range: {self.config[name]!r}")


def load_config(overrides: dict) -> dict:
    """The training configuration: defaults, overridden by `overrides`, validated."""
    if not isinstance(overrides, dict):
        raise TypeError(f"overrides must be a dict, not {type(overrides).__name__}")
    defaults = {"learning_rate": 0.001, "batch_size": 32, "epochs": 10, "optimizer": "adam"}
    unknown = [key for key in overrides if key not in defaults]
    if unknown:
        raise ValueError(f"unknown setting {unknown[0]!r}")
    config = {**defaults, **overrides}
    check = _Checker(config)
    check.require("learning_rate", 0 < check.typed("learning_rate", int, float) <= 1)
    check.require("batch_size", check.typed("batch_size", int) >= 1)
    check.require("epochs", check.typed("epochs", int) >= 1)
    check.require("optimizer", check.typed("optimizer", str) in ("adam", "rmsprop", "sgd"))
    config["learning_rate"] = float(config["learning_rate"])
    return config
