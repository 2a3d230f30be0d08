"""The real Airflow's DAG bundle manager over a bundle list (test/engines/bundles.test.ts).

Reads the rendered ``dag_bundle_config_list`` from the environment, as Airflow's config does
(AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST), builds each bundle with DagBundlesManager,
initializes the git one (clone, checkout of its tracking ref) and parses its folder with the
DagBag the DAG processor uses. Prints one JSON line.
"""

import json
import sys


def main() -> None:
    name = sys.argv[1]
    from airflow.dag_processing.bundles.manager import DagBundlesManager
    from airflow.models.dagbag import BundleDagBag

    manager = DagBundlesManager()
    bundles = {b.name: type(b).__module__ + "." + type(b).__name__ for b in manager.get_all_dag_bundles()}
    bundle = manager.get_bundle(name)
    bundle.initialize()
    files = sorted(str(p.relative_to(bundle.path)) for p in bundle.path.rglob("*.py"))
    bag = BundleDagBag(dag_folder=str(bundle.path), bundle_path=bundle.path, load_op_links=False)
    print(
        json.dumps(
            {
                "bundles": bundles,
                "files": files,
                "dags": sorted(bag.dags),
                "import_errors": {str(k): str(v) for k, v in bag.import_errors.items()},
                "version": bundle.get_current_version(),
                "path": str(bundle.path),
            }
        )
    )


if __name__ == "__main__":
    main()
