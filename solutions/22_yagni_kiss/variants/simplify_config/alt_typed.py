# why: typed, with typing imports and module constants, validation in a helper per setting
from typing import Any, Final

DEFAULTS: Final[dict[str, Any]] = {"learning_rate": 0.001, "batch_size": 32, "epochs": 10, "optimizer": "adam"}
OPTIMIZERS: Final = frozenset({"adam", "rmsprop", "sgd"})


def _check(name: str, value: Any) -> None:
    wanted = (int, float) if name == "learning_rate" else (str if name == "optimizer" else int)
    if isinstance(value, bool) or not isinstance(value, wanted):
        raise TypeError(f"{name} has the wrong type: {type(value).__name__}")
    if name == "learning_rate":
        ok = 0 < value <= 1
    elif name == "optimizer":
        ok = value in OPTIMIZERS
    else:
        ok = value >= 1
    if not ok:
        raise ValueError(f"{name} out of range: {value!r}")


def load_config(overrides: dict[str, Any]) -> dict[str, Any]:
    """The training configuration: defaults, overridden by `overrides`, validated."""
    if not isinstance(overrides, dict):
        raise TypeError("overrides must be a dict")
    unknown = set(overrides) - set(DEFAULTS)
    if unknown:
        raise ValueError(f"unknown setting(s): {sorted(unknown)}")
    config = {**DEFAULTS, **overrides}
    for name, value in config.items():
        _check(name, value)
    config["learning_rate"] = float(config["learning_rate"])
    return config
