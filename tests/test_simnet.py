"""The simulated network and fake clock the distributed-systems notebooks share."""

from __future__ import annotations

import pytest

from eng101.simnet import FakeClock, History, SimNetwork, Unreachable


def test_clock_runs_due_callbacks_in_time_order_and_never_goes_back() -> None:
    clock = FakeClock()
    fired: list[tuple[str, float]] = []
    clock.call_at(2.0, lambda: fired.append(("b", clock.now())))
    clock.call_later(1.0, lambda: fired.append(("a", clock.now())))
    clock.call_at(2.0, lambda: fired.append(("c", clock.now())))
    assert clock.advance(1.5) == 1.5
    assert fired == [("a", 1.0)]
    clock.advance_to(5)
    assert fired == [("a", 1.0), ("b", 2.0), ("c", 2.0)] and clock.now() == 5
    with pytest.raises(ValueError):
        clock.advance(-1)
    with pytest.raises(ValueError):
        clock.call_at(1.0, lambda: None)


def test_messages_take_seeded_latency_and_are_counted() -> None:
    def trace(seed: int) -> list[float]:
        net = SimNetwork(["a", "b"], seed=seed)
        return [net.send("a", "b") for _ in range(5)]

    assert trace(7) == trace(7) and trace(7) != trace(8)
    net = SimNetwork(["a", "b"], seed=1, latency=(0.01, 0.02))
    assert net.call("a", "b", lambda x: x * 2, 21) == 42
    assert net.messages == 2 and net.sent[("a", "b")] == 1 and net.sent[("b", "a")] == 1
    assert 0.02 <= net.clock.now() <= 0.04


def test_partition_blocks_across_sides_until_heal() -> None:
    net = SimNetwork(["a", "b", "c", "d"], seed=0, timeout=0.5)
    net.partition({"a", "b"}, {"c"})
    assert net.can_reach("a", "b") and not net.can_reach("a", "c")
    assert not net.can_reach("d", "a") and not net.can_reach("d", "c")  # unnamed: cut off alone
    ran: list[str] = []
    with pytest.raises(Unreachable):
        net.call("a", "c", lambda: ran.append("c"))
    assert ran == [] and net.dropped == 1 and net.clock.now() == pytest.approx(0.5)
    net.heal()
    assert all(net.can_reach("a", other) for other in "bcd")
    with pytest.raises(ValueError):
        net.partition({"a"}, {"a", "b"})
    with pytest.raises(ValueError):
        net.partition({"zz"})


def test_crashed_node_is_unreachable_even_after_heal() -> None:
    net = SimNetwork(["a", "b"], seed=0)
    net.crash("b")
    net.heal()
    assert not net.is_up("b") and not net.can_reach("a", "b")
    net.recover("b")
    assert net.can_reach("a", "b")


def test_loss_is_seeded_and_a_lost_reply_still_ran_the_handler() -> None:
    net = SimNetwork(["a", "b"], seed=3, loss=0.5)
    ran = 0

    def handler() -> None:
        nonlocal ran
        ran += 1

    outcomes = []
    for _ in range(40):
        try:
            net.call("a", "b", handler)
            outcomes.append("ok")
        except Unreachable:
            outcomes.append("lost")
    assert 0 < outcomes.count("ok") < 40
    assert ran > outcomes.count("ok")  # some replies were lost after the handler ran


def test_planned_losses_hit_one_direction_of_one_link_and_are_invisible_to_can_reach() -> None:
    net = SimNetwork(["client", "server", "other"], seed=5)
    ran = []
    net.lose_messages("server", "client", count=1)  # the next reply is lost, after the handler ran
    with pytest.raises(Unreachable):
        net.call("client", "server", lambda: ran.append("first"))
    assert ran == ["first"] and net.can_reach("client", "server") and net.dropped == 1
    assert net.call("client", "server", lambda: "second") == "second"  # count=1: only one message lost
    net.lose_messages("client", "other")  # every message, until stop_losing
    for _ in range(3):
        with pytest.raises(Unreachable):
            net.call("client", "other", lambda: ran.append("never"))
    assert net.send("other", "client") > 0  # the other direction still delivers
    assert "never" not in ran and net.can_reach("client", "other")
    net.stop_losing()
    assert net.call("client", "other", lambda: "back") == "back"
    with pytest.raises(ValueError):
        net.lose_messages("client", "server", count=0)
    with pytest.raises(ValueError):
        net.lose_messages("client", "nope")


def test_bad_configuration_is_refused() -> None:
    with pytest.raises(ValueError):
        SimNetwork(["a", "a"])
    with pytest.raises(ValueError):
        SimNetwork(["a"], latency=(0.2, 0.1))
    with pytest.raises(ValueError):
        SimNetwork(["a"], loss=1.0)
    with pytest.raises(ValueError):
        SimNetwork(["a"]).send("a", "nope")


def test_history_records_overlapping_and_failed_operations() -> None:
    clock = FakeClock()
    history = History(clock)
    write = history.invoke("c1", "write", "x", 1)
    clock.advance(1)
    read = history.invoke("c2", "read", "x")
    clock.advance(1)
    history.complete(read, value=1)
    history.complete(write)
    with pytest.raises(Unreachable):
        history.run("c3", "write", "x", lambda: (_ for _ in ()).throw(Unreachable("down")), value=2)
    assert history.run("c3", "read", "y", lambda: 7) == 7
    ops = history.for_key("x")
    assert [(o.client, o.kind, o.value, o.invoked, o.completed, o.ok) for o in ops] == [
        ("c2", "read", 1, 1.0, 2.0, True),
        ("c1", "write", 1, 0.0, 2.0, True),
        ("c3", "write", 2, 2.0, 2.0, False),
    ]
