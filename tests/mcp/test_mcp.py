"""`lanes mcp` driven by the official MCP Python SDK over stdio, against real repositories made in
temp dirs (git CLI + the lanes binary). One behaviour per test; prints PASS/FAIL lines and a
summary like the editor suites."""

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

LANES = os.environ["LANES_BIN"]


class Repo:
    """A repository `project` with README.md and src/app.txt (20 lines), isolated from the
    machine's git and lanes configuration."""

    def __init__(self) -> None:
        self.base = Path(tempfile.mkdtemp(prefix="lanes-mcp-")).resolve()
        (self.base / "gitconfig").write_text(
            "[user]\n\tname = Test\n\temail = test@example.com\n[init]\n\tdefaultBranch = main\n"
        )
        self.env = {
            **os.environ,
            "HOME": str(self.base),
            "XDG_CONFIG_HOME": str(self.base / "xdg"),
            "GIT_CONFIG_GLOBAL": str(self.base / "gitconfig"),
            "GIT_CONFIG_NOSYSTEM": "1",
        }
        for name in ("LANES_CONFIG", "LANES_LOG", "GITHUB_TOKEN", "GH_TOKEN", "XDG_STATE_HOME"):
            self.env.pop(name, None)
        self.dir = self.base / "project"
        (self.dir / "src").mkdir(parents=True)
        self.git("init", "-q", "-b", "main")
        (self.dir / "README.md").write_text("# project\n")
        (self.dir / "src/app.txt").write_text(lines())
        self.git("add", ".")
        self.git("commit", "-q", "-m", "initial")

    def git(self, *args: str, cwd: Path | None = None) -> str:
        return subprocess.run(
            ["git", *args], cwd=cwd or self.dir, env=self.env, check=True, capture_output=True, text=True
        ).stdout

    def lanes(self, *args: str) -> str:
        return subprocess.run(
            [LANES, *args], cwd=self.dir, env=self.env, check=True, capture_output=True, text=True
        ).stdout

    def lane(self, ticket: str) -> Path:
        return self.base / f"project-{ticket}"

    def snapshot(self) -> str:
        return self.git("worktree", "list", "--porcelain") + self.git("branch", "--list")


def lines(edited: dict[int, str] | None = None) -> str:
    edited = edited or {}
    return "".join(f"{edited.get(i, f'line {i}')}\n" for i in range(1, 21))


async def session_in(repo: Repo, cwd: Path, body) -> None:
    params = StdioServerParameters(command=LANES, args=["mcp"], cwd=str(cwd), env=repo.env)
    with open(repo.base / "mcp-stderr.log", "w") as errlog:
        async with stdio_client(params, errlog=errlog) as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
                await body(session)


def structured(result) -> dict:
    assert not result.is_error, f"tool error: {text(result)}"
    assert result.structured_content is not None, "no structured output"
    return result.structured_content


def text(result) -> str:
    return "\n".join(getattr(block, "text", "") for block in result.content)


async def test_initialize_lists_every_tool_with_a_schema() -> None:
    repo = Repo()

    async def body(session: ClientSession) -> None:
        tools = {tool.name: tool for tool in (await session.list_tools()).tools}
        expected = {
            "lanes_start", "lanes_list", "lanes_status", "lanes_check",
            "lanes_ticket", "lanes_move", "lanes_pr", "lanes_sync",
        }
        assert expected <= set(tools), sorted(tools)
        assert tools["lanes_start"].input_schema["required"] == ["ticket"]
        assert tools["lanes_check"].input_schema["required"] == ["path"]
        assert tools["lanes_move"].annotations.destructive_hint is True
        assert tools["lanes_pr"].annotations.open_world_hint is True
        assert tools["lanes_check"].annotations.read_only_hint is True
        assert not any("remove" in name for name in tools), "no tool removes a lane"

    await session_in(repo, repo.dir, body)


async def test_start_makes_the_lane_and_list_shows_it() -> None:
    repo = Repo()

    async def body(session: ClientSession) -> None:
        started = structured(await session.call_tool("lanes_start", {"ticket": "PROJ-1", "offline": True}))
        assert started["created"] is True
        assert started["lane"]["path"] == str(repo.lane("PROJ-1"))
        assert started["lane"]["branch"] == "feature/PROJ-1"
        listed = structured(await session.call_tool("lanes_list", {}))
        tickets = [lane["ticket"] for lane in listed["lanes"]]
        assert tickets == [None, "PROJ-1"], tickets

    await session_in(repo, repo.dir, body)
    assert "branch refs/heads/feature/PROJ-1" in repo.git("worktree", "list", "--porcelain")


async def test_check_names_the_other_lane_changing_the_file_and_says_nothing_for_a_clean_one() -> None:
    repo = Repo()
    repo.lanes("start", "A-1")
    repo.lanes("start", "B-1")
    (repo.lane("A-1") / "src/app.txt").write_text(lines({5: "changed by A"}))
    (repo.lane("B-1") / "src/app.txt").write_text(lines({5: "changed by B"}))

    async def body(session: ClientSession) -> None:
        result = await session.call_tool("lanes_check", {"path": "src/app.txt"})
        checked = structured(result)
        assert checked["safe"] is False and checked["conflict"] is True, checked
        # The text an agent reads first says it plainly.
        assert text(result).startswith("CONFLICT: editing src/app.txt"), text(result)
        assert "A-1" in text(result) and "line 5" in text(result), text(result)
        pair = checked["overlaps"][0]["pairs"][0]
        names = {pair["a"]["name"], pair["b"]["name"]}
        assert names == {"A-1", "B-1"}, pair
        assert pair["kind"] == "conflict"
        result = await session.call_tool("lanes_check", {"path": "README.md"})
        clean = structured(result)
        assert clean == {"path": "README.md", "safe": True, "conflict": False, "overlaps": []}, clean
        assert text(result).startswith("Safe:"), text(result)

    await session_in(repo, repo.lane("B-1"), body)


async def test_check_sees_edits_and_commits_made_after_the_server_started() -> None:
    repo = Repo()
    repo.lanes("start", "A-1")
    repo.lanes("start", "B-1")

    async def body(session: ClientSession) -> None:
        first = structured(await session.call_tool("lanes_check", {"path": "src/app.txt"}))
        assert first["safe"] is True, first
        # Another lane commits a change to line 5, and this lane edits line 5 without committing.
        (repo.lane("A-1") / "src/app.txt").write_text(lines({5: "committed by A"}))
        repo.git("commit", "-q", "-am", "A edits line 5", cwd=repo.lane("A-1"))
        (repo.lane("B-1") / "src/app.txt").write_text(lines({5: "typed in B"}))
        second = structured(await session.call_tool("lanes_check", {"path": "src/app.txt"}))
        assert second["conflict"] is True, second
        # Taken back: no conflict, but not "safe" either: A-1's committed change to line 5 is
        # what B-1's next edit will meet.
        (repo.lane("B-1") / "src/app.txt").write_text(lines())
        third = structured(await session.call_tool("lanes_check", {"path": "src/app.txt"}))
        assert third["safe"] is False and third["conflict"] is False, third
        assert third["overlaps"][0]["pairs"][0]["b"]["name"] == "A-1", third

    await session_in(repo, repo.lane("B-1"), body)


async def test_check_before_editing_names_another_lanes_committed_change() -> None:
    repo = Repo()
    repo.lanes("start", "A-1")
    repo.lanes("start", "B-1")
    (repo.lane("A-1") / "src/app.txt").write_text(lines({7: "committed by A"}))
    repo.git("commit", "-q", "-am", "A edits line 7", cwd=repo.lane("A-1"))

    async def body(session: ClientSession) -> None:
        # B-1 has not touched the file: exactly when an agent asks.
        result = await session.call_tool("lanes_check", {"path": "src/app.txt"})
        checked = structured(result)
        assert checked["safe"] is False and checked["conflict"] is False, checked
        assert "A-1 changes line 7" in text(result), text(result)

    await session_in(repo, repo.lane("B-1"), body)


async def test_status_says_which_lane_a_file_is_in() -> None:
    repo = Repo()
    repo.lanes("start", "A-1")

    async def body(session: ClientSession) -> None:
        lane = structured(
            await session.call_tool("lanes_status", {"path": str(repo.lane("A-1") / "src/app.txt")})
        )
        assert lane["ticket"] == "A-1", lane

    await session_in(repo, repo.dir, body)


async def test_move_takes_an_uncommitted_change_to_another_lane() -> None:
    repo = Repo()
    repo.lanes("start", "A-1")
    repo.lanes("start", "B-1")
    (repo.lane("A-1") / "src/app.txt").write_text(lines({3: "belongs to B"}))

    async def body(session: ClientSession) -> None:
        moved = structured(
            await session.call_tool("lanes_move", {"path": "src/app.txt", "to": "b-1"})
        )
        assert moved["to"] == "B-1", moved
        assert moved["files"] == ["src/app.txt"], moved

    await session_in(repo, repo.lane("A-1"), body)
    assert (repo.lane("B-1") / "src/app.txt").read_text() == lines({3: "belongs to B"})
    assert (repo.lane("A-1") / "src/app.txt").read_text() == lines()


async def test_a_hostile_ticket_is_a_tool_error_and_creates_nothing() -> None:
    repo = Repo()
    before = repo.snapshot()

    async def body(session: ClientSession) -> None:
        for hostile in ["../../x", "has space", "é" * 300, "-rf"]:
            result = await session.call_tool("lanes_start", {"ticket": hostile, "offline": True})
            assert result.is_error, f"{hostile!r} was accepted: {text(result)}"
            assert "ticket" in text(result).lower(), text(result)

    await session_in(repo, repo.dir, body)
    assert repo.snapshot() == before
    assert not any(p.name.startswith("project-") for p in repo.base.iterdir()), list(repo.base.iterdir())
    assert not (repo.base.parent / "x").exists()


async def test_a_path_outside_the_lanes_is_a_tool_error() -> None:
    repo = Repo()
    outside = repo.base / "elsewhere.txt"
    outside.write_text("x\n")

    async def body(session: ClientSession) -> None:
        result = await session.call_tool("lanes_check", {"path": str(outside)})
        assert result.is_error, text(result)
        assert "not in a lane" in text(result), text(result)

    await session_in(repo, repo.dir, body)


async def test_ticket_reads_the_lanes_context_and_it_is_a_resource() -> None:
    repo = Repo()
    repo.lanes("start", "A-1")
    context = repo.lane("A-1") / ".lanes/ticket.md"
    context.parent.mkdir(parents=True, exist_ok=True)
    context.write_text("# A-1: Fix login\n\n## Acceptance criteria\n\n- sessions last 8 hours\n")

    async def body(session: ClientSession) -> None:
        ticket = structured(await session.call_tool("lanes_ticket", {"ticket": "a-1"}))
        assert ticket["ticket"] == "A-1"
        assert "sessions last 8 hours" in ticket["markdown"]
        resources = (await session.list_resources()).resources
        uris = [str(r.uri) for r in resources]
        assert uris == ["lanes://A-1/ticket.md"], uris
        read = await session.read_resource("lanes://A-1/ticket.md")
        assert "# A-1: Fix login" in read.contents[0].text

    await session_in(repo, repo.dir, body)


async def test_malformed_json_rpc_does_not_stop_the_server() -> None:
    repo = Repo()
    messages = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize",
         "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}}},
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
    ]
    lines_in = [json.dumps(m) for m in messages] + [
        "this is not json",
        '{"jsonrpc": "2.0", "id": 2, "method": 42}',
        json.dumps({"jsonrpc": "2.0", "id": 3, "method": "tools/list"}),
    ]
    done = subprocess.run(
        [LANES, "mcp"], cwd=repo.dir, env=repo.env, input="\n".join(lines_in) + "\n",
        capture_output=True, text=True, timeout=30,
    )
    answers = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    ids = [a.get("id") for a in answers]
    assert 3 in ids, f"no answer to tools/list after the garbage: {done.stdout}"
    tools = next(a for a in answers if a.get("id") == 3)["result"]["tools"]
    assert any(t["name"] == "lanes_check" for t in tools)
    for line in done.stdout.splitlines():
        json.loads(line)  # stdout carries nothing but protocol messages


TESTS = [value for name, value in sorted(globals().items()) if name.startswith("test_")]


def main() -> int:
    failed = 0
    for test in TESTS:
        name = test.__name__.removeprefix("test_").replace("_", " ")
        try:
            asyncio.run(test())
            print(f"PASS {name}")
        except Exception:  # noqa: BLE001 - every failure is reported, then the next test runs
            failed += 1
            print(f"FAIL {name}\n{traceback.format_exc()}")
    print(f"mcp: {len(TESTS) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
