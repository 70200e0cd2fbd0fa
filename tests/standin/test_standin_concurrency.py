"""Many calls at once: each call keeps its own state, sid and answers."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from standin import Press, Say, ScriptedCaller


def doc(*verbs: str) -> str:
    return "<?xml version='1.0' encoding='UTF-8'?><Response>" + "".join(verbs) + "</Response>"


def test_fifty_concurrent_inbound_calls(standin, app):
    app.pages["/voice"] = doc(
        '<Gather input="dtmf speech" action="/answer" numDigits="4"><Say>编号</Say></Gather>'
    )
    app.pages["/answer"] = lambda v: doc(
        f"<Say>{v.get('Digits') or v.get('SpeechResult')} {v['From']}</Say>",
        '<Gather action="/again"><Say>再按</Say></Gather>',
    )
    app.pages["/again"] = lambda v: doc(f"<Say>again {v['Digits']} {v['CallSid']}</Say>")

    def one(i: int):
        first = Press(f"{i:04d}") if i % 2 else Say(f"第{i}号")
        caller = ScriptedCaller([first, Press(str(i % 10))])
        return i, standin.inbound_call(
            app.url("/voice"), f"+86138000{i:05d}", "88908890", caller, app.url("/status")
        )

    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(one, range(50)))

    assert app.rejected == []
    assert len({r.call_sid for _, r in results}) == 50
    for i, result in results:
        said = f"{i:04d}" if i % 2 else f"第{i}号"
        assert result.errors == []
        assert result.texts == [
            "编号",
            f"{said} +86138000{i:05d}",
            "再按",
            f"again {i % 10} {result.call_sid}",
        ]
        assert result.status == "completed"
    callbacks = app.hits_to("/status")
    assert sorted(h.form["CallSid"] for h in callbacks) == sorted(r.call_sid for _, r in results)


def test_concurrent_outbound_calls_through_rest(standin, app):
    app.pages["/survey"] = doc('<Gather action="/score"><Say>打分</Say></Gather>')
    app.pages["/score"] = lambda v: doc(f"<Say>{v['To']} {v['Digits']}</Say>")
    numbers = [f"+86139000{i:05d}" for i in range(30)]
    for i, number in enumerate(numbers):
        standin.answer(number, [Press(str(i % 3 + 1))])
    client = standin.client()
    with ThreadPoolExecutor(max_workers=30) as pool:
        calls = list(
            pool.map(
                lambda n: client.calls.create(to=n, from_="88908890", url=app.url("/survey")),
                numbers,
            )
        )
    for i, (number, call) in enumerate(zip(numbers, calls, strict=True)):
        result = standin.wait(call.sid)
        assert result.texts == ["打分", f"{number} {i % 3 + 1}"]
