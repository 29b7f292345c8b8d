"""klantreis init DIR"""
from __future__ import annotations


def add_arguments(p) -> None:
    p.add_argument("dir", help="de nieuwe studiemap")


def run(args) -> int:
    from ..study import init_study
    target = init_study(args.dir)
    print(f"Nieuwe studie in {target}. Zet transcripten in {target / 'interviews'} en "
          f"pas {target / 'study.yaml'} aan; daarna: klantreis run {target}")
    return 0
