# why: keeps the earliest time a scale-in is allowed (pushed forward at every change) instead of the last change
class TargetTrackingAutoscaler:
    """Size the fleet for the load the serving instances carry; scale out at once, scale in slowly."""

    def __init__(self, target=0.6, min_instances=1, max_instances=40, scale_in_cooldown=900):
        if not (0 < target <= 1 and 1 <= min_instances <= max_instances and scale_in_cooldown >= 0):
            raise ValueError("invalid autoscaler settings")
        self.target, self.low, self.high = target, min_instances, max_instances
        self.cooldown = scale_in_cooldown
        self.scale_in_from = -math.inf

    def decide(self, now, serving, warming, utilisation):
        have = serving + warming
        need = math.ceil(serving * utilisation / self.target - 1e-9) if math.isfinite(utilisation) else self.high
        need = min(self.high, max(self.low, need))
        if need > have or (need < have and warming == 0 and now >= self.scale_in_from):
            self.scale_in_from = now + self.cooldown
            return need
        return have
