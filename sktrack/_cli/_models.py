"""`sktrack models`: the registry's models, one model's versions, registering a run's model,
moving a stage, pointing an alias."""

from __future__ import annotations

import argparse

from ._common import EXIT_OK, Commands, resolve_run, use_store
from ._format import model_json, model_show_text, models_table, print_json, version_json

__all__ = ["add_models"]


def add_models(commands: Commands, common: argparse.ArgumentParser) -> None:
    p = commands.add_parser("models", parents=[common], help="the model registry")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_cmd_models)
    sub = p.add_subparsers(dest="models_command", metavar="ACTION")
    show = sub.add_parser("show", parents=[common], help="a registered model's versions")
    show.add_argument("name", metavar="NAME")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=_cmd_models_show)
    move = sub.add_parser("transition", parents=[common], help="move a version to a stage")
    move.add_argument("name", metavar="NAME")
    move.add_argument("version", metavar="VERSION", type=int)
    move.add_argument("stage", metavar="STAGE", help="None, Staging, Production or Archived")
    move.add_argument(
        "--archive-existing",
        action="store_true",
        help="archive the versions already in STAGE",
    )
    move.set_defaults(handler=_cmd_models_transition)
    register = sub.add_parser("register", parents=[common], help="register a run's model")
    register.add_argument(
        "source",
        metavar="RUN_OR_URI",
        help="a run id (or unique prefix) whose 'model' to register, or a model URI "
        "(runs:/<run_id>/<name>, a model folder)",
    )
    register.add_argument("name", metavar="NAME")
    register.add_argument("--description", default=None)
    register.set_defaults(handler=_cmd_models_register)
    alias = sub.add_parser("alias", parents=[common], help="point an alias at a version")
    alias.add_argument("name", metavar="NAME")
    alias.add_argument("alias", metavar="ALIAS")
    alias.add_argument("version", metavar="VERSION", type=int)
    alias.set_defaults(handler=_cmd_models_alias)


def _cmd_models(args: argparse.Namespace) -> int:
    from .. import registry

    use_store(args)
    models = registry.list_registered_models()
    if args.json:
        print_json([model_json(m) for m in models])
        return EXIT_OK
    if not models:
        print("no registered models; register one with `sktrack models register RUN_ID NAME`")
        return EXIT_OK
    print(models_table(models))
    return EXIT_OK


def _cmd_models_show(args: argparse.Namespace) -> int:
    from .. import registry

    use_store(args)
    model = registry.get_registered_model(args.name)
    versions = registry.list_model_versions(args.name)
    if args.json:
        print_json({**model_json(model), "versions": [version_json(v) for v in versions]})
        return EXIT_OK
    print(model_show_text(model, versions))
    return EXIT_OK


def _cmd_models_transition(args: argparse.Namespace) -> int:
    from .. import registry

    use_store(args)
    before = {v.version: v.stage for v in registry.list_model_versions(args.name)}
    moved = registry.transition_stage(
        args.name, args.version, args.stage, archive_existing=args.archive_existing
    )
    after = {v.version: v.stage for v in registry.list_model_versions(args.name)}
    archived = [n for n, stage in after.items() if stage != before.get(n) and n != moved.version]
    line = f"{moved.name} version {moved.version}: {before.get(moved.version)} -> {moved.stage}"
    if archived:
        line += "; archived " + ", ".join(f"version {n}" for n in archived)
    print(line)
    return EXIT_OK


def _cmd_models_register(args: argparse.Namespace) -> int:
    from .. import registry

    store = use_store(args)
    source = args.source
    if ":/" not in source and "/" not in source:  # a run id or a prefix of one
        source = f"runs:/{resolve_run(store, source)}/model"
    elif source.startswith("runs:/"):  # the run id part may be a prefix too
        run_part, _, rest = source[len("runs:/") :].partition("/")
        source = f"runs:/{resolve_run(store, run_part)}/{rest or 'model'}"
    version = registry.register_model(source, args.name, description=args.description)
    print(f"{version.name} version {version.version}: registered from {version.source}")
    return EXIT_OK


def _cmd_models_alias(args: argparse.Namespace) -> int:
    from .. import registry

    use_store(args)
    before = registry.get_registered_model(args.name).aliases.get(args.alias)
    registry.set_alias(args.name, args.alias, args.version)
    moved = f" (was version {before})" if before not in (None, args.version) else ""
    print(f"{args.name}@{args.alias} -> version {args.version}{moved}")
    return EXIT_OK
