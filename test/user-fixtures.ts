// The sample user folders (a DAG with its SparkApplication template, and the job it runs): planned
// by test/user-dags.test.ts and parsed on the real Airflow by test/engines/airflow.test.ts.
export const USER_DAGS_FIXTURE = "test/fixtures/user-dags";
export const USER_JOBS_FIXTURE = "test/fixtures/user-jobs";
export const USER_FIXTURES = { "bdok:airflow": { userDags: USER_DAGS_FIXTURE, userJobs: USER_JOBS_FIXTURE } };
