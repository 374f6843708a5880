# why: works in capacity units: adds exactly what is missing beyond the warming instances; keeps the next scale-in time
import math


class TargetTrackingAutoscaler:
    """Size the fleet for the load the serving instances carry; scale out at once, scale in slowly."""

    def __init__(self, target=0.6, min_instances=1, max_instances=40, scale_in_cooldown=900):
        if target <= 0 or target > 1 or min_instances < 1 or max_instances < min_instances:
            raise ValueError("invalid target or bounds")
        if scale_in_cooldown < 0:
            raise ValueError("invalid cooldown")
        self.target, self.bounds, self.cooldown = target, (min_instances, max_instances), scale_in_cooldown
        self.scale_in_allowed_at = -math.inf

    def decide(self, now, serving, warming, utilisation):
        low, high = self.bounds
        if utilisation == math.inf or math.isnan(utilisation):
            needed = high
        else:
            load_in_instances = serving * utilisation  # what the serving instances carry, in instances at 100 %
            needed = math.ceil(round(load_in_instances / self.target, 9))
        needed = min(high, max(low, needed))
        missing = needed - (serving + warming)
        if missing > 0:
            self.scale_in_allowed_at = now + self.cooldown
            return serving + warming + missing
        if missing < 0 and not warming and now >= self.scale_in_allowed_at:
            self.scale_in_allowed_at = now + self.cooldown
            return needed
        return serving + warming
