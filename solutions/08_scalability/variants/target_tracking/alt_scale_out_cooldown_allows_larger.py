# why: Application Auto Scaling's shape: a 300 s scale-out cooldown that still lets a larger scale-out through
import math


class TargetTrackingAutoscaler:
    """Size the fleet for the load the serving instances carry; scale out at once, scale in slowly."""

    SCALE_OUT_COOLDOWN = 300

    def __init__(self, target=0.6, min_instances=1, max_instances=40, scale_in_cooldown=900):
        if not 0 < target <= 1:
            raise ValueError("target")
        if not 1 <= min_instances <= max_instances:
            raise ValueError("bounds")
        if scale_in_cooldown < 0:
            raise ValueError("cooldown")
        self.target, self.low, self.high, self.in_cooldown = target, min_instances, max_instances, scale_in_cooldown
        self.last_out_time = self.last_out_size = self.last_change = None

    def decide(self, now, serving, warming, utilisation):
        capacity = serving + warming  # the capacity the last scale-out added is part of it
        if not math.isfinite(utilisation):
            wanted = self.high
        else:
            wanted = min(self.high, max(self.low, math.ceil(serving * utilisation / self.target - 1e-9)))
        if wanted > capacity:
            in_cooldown = self.last_out_time is not None and now - self.last_out_time < self.SCALE_OUT_COOLDOWN
            if in_cooldown and wanted <= min(self.last_out_size, capacity):
                return capacity  # not larger than what is already added: nothing to do
            self.last_out_time, self.last_out_size, self.last_change = now, wanted, now
            return wanted
        if wanted < capacity and warming == 0:
            if self.last_change is None or now - self.last_change >= self.in_cooldown:
                self.last_change = now
                return wanted
        return capacity
