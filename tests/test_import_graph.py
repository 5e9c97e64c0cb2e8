"""Imports in twofactor point one way, checked on the source.

Every `import` and `from … import` of a twofactor module, at the top of a module or inside a function, is an
edge (a package's __init__ too). The graph must have no circle (a strongly connected component of more than one
module), and its layers must point down:

    views/, api/, methods/<name>/, urls, admin …   pages, endpoints and methods (the top)
    web/                                           what pages and endpoints share
    flows/                                         use cases
    core/, state/, models/, …                      the method contract, session state, devices, the outside world

A method's package imports the core, the flows' public functions (`twofactor.flows`, not its modules), the
shared web toolkit and the layers below, never the app's pages (views/), its API (api/) or another method's package; nothing below the top imports the top; and the
method contract (`Method`, the registry) is imported from twofactor.core, its only home.
"""

import ast
from pathlib import Path

import twofactor

APP = Path(twofactor.__path__[0])


def module_name(path: Path) -> str:
    parts = ("twofactor", *path.relative_to(APP).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, modules: set[str], source: str | None = None) -> set[str]:
    """The twofactor modules the module at `path` imports (its `source`, read from the file when not given)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(source if source is not None else path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            # `from package import module` imports the module; `from module import name` the module.
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def app_modules() -> list[Path]:
    return [path for path in APP.rglob("*.py") if "migrations" not in path.parts]


def import_graph() -> dict[str, set[str]]:
    paths = app_modules()
    modules = {module_name(path) for path in paths}
    return {module_name(path): imports_of(path, modules) for path in paths}


#: The top layer: what answers requests (pages, endpoints, methods) and what wires them (URLconfs, admin, commands).
TOP = (
    "twofactor.views",
    "twofactor.api",
    "twofactor.methods",
    "twofactor.urls",
    "twofactor.admin",
    "twofactor.admin_site",
    "twofactor.management",
    "twofactor.templatetags",
)
#: What a method's package never imports: the app's pages and API.
NOT_FOR_METHODS = ("twofactor.views", "twofactor.api", "twofactor.urls")
#: Where the method contract lives.
CORE = "twofactor.core"
#: The flows a method may use: the package's public names (twofactor.flows.__all__), not its modules.
FLOWS = "twofactor.flows"


def _within(module: str, packages) -> bool:
    return any(module == package or module.startswith(package + ".") for package in packages)


def method_package(module: str) -> str | None:
    """ "twofactor.methods.totp" for any module of that package; None outside methods/."""
    parts = module.split(".")
    return ".".join(parts[:3]) if parts[:2] == ["twofactor", "methods"] and len(parts) > 2 else None


def wrong_way(graph: dict[str, set[str]]) -> list[str]:
    """Every import that points the wrong way, as "importer -> imported"."""
    found = []
    for module, targets in sorted(graph.items()):
        own = method_package(module)
        for target in sorted(targets):
            if own and (_within(target, NOT_FOR_METHODS) or method_package(target) not in (None, own)):
                found.append(f"{module} -> {target}")  # a method reaching into the pages, the API or another method
            elif own and target.startswith(FLOWS + "."):
                found.append(f"{module} -> {target}")  # a method reaching past the flows' public functions
            elif not _within(module, TOP) and _within(target, TOP):
                found.append(f"{module} -> {target}")  # a lower layer reaching up
    return found


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found, counter = {}, {}, [], set(), [], [0]

    def visit(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                item = stack.pop()
                on_stack.discard(item)
                component.append(item)
                if item == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_circle():
    assert circles(import_graph()) == []


def test_a_circle_is_found_where_there_is_one():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_imports_point_down_and_methods_stay_in_their_package():
    assert wrong_way(import_graph()) == []


def test_a_planted_upward_import_is_found():
    """A method's module importing the sign-in page, another method, or a flow importing the API, fails the check."""
    paths = app_modules()
    modules = {module_name(path) for path in paths}
    planted = {
        APP / "methods" / "totp" / "planted.py": "from ...views.signin import verify",
        APP / "methods" / "email" / "planted.py": "from ..totp.setup import begin_totp",
        APP / "flows" / "planted.py": "from ..api.views import signin",
        APP / "methods" / "sms" / "planted.py": "from ...flows.signin import check_code",
    }
    graph = import_graph()
    for path, source in planted.items():
        graph[module_name(path)] = imports_of(path, modules, source)
    assert wrong_way(graph) == [
        "twofactor.flows.planted -> twofactor.api.views.signin",
        "twofactor.methods.email.planted -> twofactor.methods.totp.setup",
        "twofactor.methods.sms.planted -> twofactor.flows.signin",
        "twofactor.methods.totp.planted -> twofactor.views.signin",
    ]


CONTRACT = {"Method": f"{CORE}.method", "registry": CORE}


def contract_imports_elsewhere(paths) -> list[str]:
    """`from X import Method` / `import registry` where X is not the core (a re-export or an old home)."""
    found = []
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.ImportFrom):
                continue
            for alias in node.names:
                home = CONTRACT.get(alias.name)
                if home is None:
                    continue
                source = node.module or ""
                if node.level:  # resolved against the app's own modules
                    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
                    anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    source = ".".join(anchor + ([source] if source else []))
                if source != home:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {alias.name} from {source}")
    return found


ROOT = APP.parent


def test_the_method_contract_is_imported_from_the_core_only():
    paths = [*app_modules(), *(ROOT / "tests").rglob("*.py"), *(ROOT / "scripts").glob("*.py")]
    assert contract_imports_elsewhere(p for p in paths if "projects" not in p.parts) == []
