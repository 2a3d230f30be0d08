"""The IMDB DAG's acquire step on the local lake: for each table, the DAG's own helper module
(pipelines/batch/dags/bdok_streaming.py) streams the gzip file from the HTTP server and uploads it,
decompressed, to landing/imdb/<table>.tsv, exactly as the DAG's acquire task calls it; only the
S3 client comes from boto3 with moto's endpoint instead of Airflow's S3Hook.

Usage: acquire.py DAG_FOLDER BASE_URL BUCKET ENDPOINT
"""

import sys

from boto3.session import Session
from boto3.s3.transfer import TransferConfig


def main(dag_folder: str, base_url: str, bucket: str, endpoint: str) -> None:
    sys.path.insert(0, dag_folder)
    import bdok_streaming as acq

    acq.IMDB_BASE_URL = base_url
    s3 = Session().client("s3", endpoint_url=endpoint)
    config = TransferConfig(**acq.MULTIPART_SETTINGS)
    for table in acq.IMDB_TABLES:
        size = acq.stream_gunzip_upload(
            lambda: acq.open_url(acq.imdb_url(table)),
            lambda stream: s3.upload_fileobj(stream, bucket, acq.landing_key(table), Config=config),
        )
        print(f"{table}: {size} bytes -> s3://{bucket}/{acq.landing_key(table)}", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
