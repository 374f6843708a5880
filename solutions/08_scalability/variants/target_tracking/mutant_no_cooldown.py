# why: no cooldowns at all: reacts to every minute's utilisation and flaps
import math


class TargetTrackingAutoscaler:
    """Resize in proportion to utilisation / target; scale out fast, scale in slowly."""

    def __init__(self, target=0.6, min_instances=1, max_instances=40, scale_out_cooldown=300,
                 scale_in_cooldown=900):
        if not 0 < target <= 1:
            raise ValueError(f"target must be in (0, 1], got {target}")
        if not 1 <= min_instances <= max_instances:
            raise ValueError("need 1 <= min_instances <= max_instances")
        if scale_out_cooldown < 0 or scale_in_cooldown < 0:
            raise ValueError("cooldowns cannot be negative")
        self.target = target
        self.min_instances = min_instances
        self.max_instances = max_instances
        self.scale_out_cooldown = scale_out_cooldown
        self.scale_in_cooldown = scale_in_cooldown
        self.last_scale_out = None
        self.last_change = None

    def decide(self, now, current, utilisation):
        if not math.isfinite(utilisation):
            return self.max_instances
        desired = math.ceil(current * utilisation / self.target - 1e-9)
        return max(self.min_instances, min(self.max_instances, desired))
