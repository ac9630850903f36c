"""Decides requests with a policy component in Wasmtime (the Rust runtime, through wasmtime-py),
no JavaScript involved: `python3 decide.py p.component.wasm < requests.jsonl`, one request JSON
per line in, one decision JSON per line out. Needs `pip install wasmtime` (49 or later: its
`wasmtime.component` API)."""
import json
import sys

from wasmtime import Engine, Store
from wasmtime.component import Component, Linker


def main() -> None:
    engine = Engine()
    store = Store(engine)
    component = Component.from_file(engine, sys.argv[1])
    # No imports to provide: the world only exports `decide`.
    instance = Linker(engine).instantiate(store, component)
    decide = instance.get_func(store, "decide")
    for line in sys.stdin:
        d = decide(store, line.rstrip("\n"))
        decide.post_return(store)
        print(json.dumps({"effect": d.effect, "rule": d.rule, "audits": list(d.audits), "violation": d.violation}), flush=True)


if __name__ == "__main__":
    main()
