# why: computes the cost with its own formula, sorts every candidate and returns the first that meets both objectives
def cheapest_schedule(options: list[ScheduleOption], prices: Prices, steps: RecoverySteps,
                      rpo_s: float, rto_s: float) -> ScheduleOption:
    """The cheapest option whose worst-case loss and recovery time meet rpo_s and rto_s."""
    def cost(option):
        gib = option.backup_bytes / 2**30
        return (30 * 86400 / option.interval_s) * gib * prices.transfer_per_gib \
            + prices.copies_kept * gib * prices.storage_per_gib_month

    def loss(option):
        return option.lag_s + option.interval_s + option.duration_s

    overhead = steps.detect_s + steps.decide_s + steps.verify_s
    ranked = sorted(options, key=lambda option: (cost(option), loss(option), option.name))
    for option in ranked:
        if loss(option) <= rpo_s and overhead + option.backup_bytes / steps.restore_bytes_per_s <= rto_s:
            return option
    raise ValueError("no schedule meets both objectives")
