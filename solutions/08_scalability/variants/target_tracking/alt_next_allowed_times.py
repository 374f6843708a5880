# why: keeps the earliest times the next scale-out and scale-in are allowed instead of the last change times
import math


class TargetTrackingAutoscaler:
    """Resize in proportion to utilisation / target; scale out fast, scale in slowly."""

    def __init__(self, target=0.6, min_instances=1, max_instances=40, scale_out_cooldown=300,
                 scale_in_cooldown=900):
        if target <= 0 or target > 1 or min_instances < 1 or max_instances < min_instances:
            raise ValueError("invalid target or bounds")
        if min(scale_out_cooldown, scale_in_cooldown) < 0:
            raise ValueError("invalid cooldown")
        self.target, self.bounds = target, (min_instances, max_instances)
        self.cooldowns = (scale_out_cooldown, scale_in_cooldown)
        self.out_allowed_at = self.in_allowed_at = -math.inf

    def decide(self, now, current, utilisation):
        low, high = self.bounds
        wanted = high if utilisation == math.inf or math.isnan(utilisation) else \
            math.ceil(round(current * utilisation / self.target, 9))
        wanted = min(high, max(low, wanted))
        if wanted > current and now >= self.out_allowed_at:
            self.out_allowed_at = now + self.cooldowns[0]
            self.in_allowed_at = now + self.cooldowns[1]
            return wanted
        if wanted < current and now >= self.in_allowed_at:
            self.in_allowed_at = now + self.cooldowns[1]
            return wanted
        return current
