"""Accessibility checks for the browser tests: axe-core (from the npm registry, installed by
test.sh into tests/browser/axe) run inside the page against WCAG 2.1 A and AA.

`assert_accessible(page)` fails with one line per violation: rule, impact, help text and the first
offending elements, so the message says what to fix without opening a report."""

from pathlib import Path

AXE_JS = Path(__file__).parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PHONE_VIEWPORT = {"width": 390, "height": 844}


def axe_violations(page) -> list[dict]:
    if not AXE_JS.exists():
        raise RuntimeError(f"axe-core is missing at {AXE_JS}: run `npm ci --prefix tests/browser/axe` (test.sh does)")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE_JS.read_text())
    settle_animations(page)
    result = page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => n.target.join(' ') + ' — ' + (n.failureSummary || '').split('\\n').slice(1, 2).join(''))}));
        }""",
        WCAG_TAGS,
    )
    return result


def settle_animations(page, timeout_ms: int = 3_000) -> None:
    """Wait until the page's finite animations and transitions end. A toast caught mid fade-in is
    drawn at 60 % opacity (its red text measured 3.3:1 instead of 7:1 once shown), which is a colour
    the user never reads; spinners (infinite) are left running."""
    page.evaluate(
        """async (timeout) => {
            await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
            const finite = document.getAnimations().filter(a => {
                const end = a.effect && a.effect.getComputedTiming().endTime;
                return a.playState === 'running' && Number.isFinite(end);
            });
            const done = Promise.all(finite.map(a => a.finished.catch(() => null)));
            await Promise.race([done, new Promise(r => setTimeout(r, timeout))]);
        }""",
        timeout_ms,
    )


def assert_accessible(page, where: str = "") -> None:
    """No WCAG 2.1 A/AA violation on the page as it is now."""
    violations = axe_violations(page)
    if violations:
        lines = [f"{v['id']} ({v['impact']}): {v['help']} — {len(v['nodes'])} element(s): "
                 + "; ".join(v["nodes"][:3]) for v in violations]
        raise AssertionError(f"axe found {len(violations)} violation(s) on {where or page.url}:\n" + "\n".join(lines))


MAX_TABS = 80


def press_tab_until(page, predicate_js: str) -> None:
    """Press Tab until `predicate_js` (evaluated in the page) holds: the keyboard reaches it."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate(predicate_js):
            return
    raise AssertionError(f"not reachable with Tab in {MAX_TABS} presses: {predicate_js}")
