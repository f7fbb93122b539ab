"""The event hub: monotonic ids, a bounded ring buffer, fan-out, Last-Event-ID resume."""

from __future__ import annotations

import asyncio
import json
import threading

from core_monitor.monitor.events import EventHub


def test_ids_increase_and_resume_returns_only_later_events() -> None:
    hub = EventHub(capacity=10, first_id=100)
    first = hub.publish("command", "queued", stack="shop")
    second = hub.publish("command", "started", stack="shop")
    third = hub.publish("container", "die", stack="shop", data={"exit_code": 137})
    assert [first.id, second.id, third.id] == [100, 101, 102]
    events, gap = hub.since(first.id)
    assert ([e.action for e in events], gap) == (["started", "die"], False)
    assert hub.since(third.id) == ([], False)
    assert hub.since(None) == ([], False)  # a new client gets only what comes next


def test_a_resume_older_than_the_buffer_reports_a_gap() -> None:
    hub = EventHub(capacity=3, first_id=1)
    for n in range(6):
        hub.publish("container", f"e{n}")
    events, gap = hub.since(1)
    assert gap is True
    assert [e.id for e in events] == [4, 5, 6]
    assert hub.since(3) == (hub.since(3)[0], False)  # 4 is the oldest kept: nothing lost


def test_sse_format() -> None:
    hub = EventHub(first_id=7)
    event = hub.publish("container", "die", stack="shop", stack_id="sid", data={"exit_code": 1})
    text = event.sse()
    assert text.startswith("id: 7\nevent: container\ndata: ")
    body = json.loads(text.split("data: ", 1)[1])
    assert body["action"] == "die" and body["exit_code"] == 1 and body["stack"] == "shop"


async def _collect(hub: EventHub, last_id: int | None, count: int, **kw: object) -> list[str]:
    frames = []
    async for frame in hub.stream(last_id, max_seconds=5, **kw):  # type: ignore[arg-type]
        if frame.startswith("id: "):
            frames.append(frame)
            if len(frames) == count:
                break
    return frames


def test_fan_out_to_subscribers_from_another_thread() -> None:
    hub = EventHub(first_id=1)

    async def scenario() -> tuple[list[str], list[str]]:
        a = asyncio.create_task(_collect(hub, None, 2))
        b = asyncio.create_task(_collect(hub, None, 1, accept=lambda e: e.stack == "other"))
        await asyncio.sleep(0.05)

        def publish() -> None:
            hub.publish("container", "start", stack="shop")
            hub.publish("container", "die", stack="other")

        threading.Thread(target=publish).start()
        return await asyncio.wait_for(a, 5), await asyncio.wait_for(b, 5)

    a, b = asyncio.run(scenario())
    assert [f.split("\n")[0] for f in a] == ["id: 1", "id: 2"]
    assert [f.split("\n")[0] for f in b] == ["id: 2"]


def test_stream_resumes_from_last_event_id_and_ends_at_the_limit() -> None:
    hub = EventHub(first_id=1)
    for action in ("queued", "started", "finished"):
        hub.publish("command", action)

    async def scenario() -> list[str]:
        return [frame async for frame in hub.stream(1, max_seconds=0.2)]

    frames = asyncio.run(scenario())
    assert [f.split("\n")[0] for f in frames if f.startswith("id: ")] == ["id: 2", "id: 3"]
    assert frames[-1].startswith("event: timeout")


def test_stream_tells_a_client_it_missed_events() -> None:
    hub = EventHub(capacity=2, first_id=1)
    for n in range(5):
        hub.publish("container", f"e{n}")

    async def scenario() -> list[str]:
        return [frame async for frame in hub.stream(1, max_seconds=0.1)]

    frames = asyncio.run(scenario())
    assert any(f.startswith("event: gap") for f in frames)
