//! Three instances migrating one empty database at once end with one schema and one seed row.
mod common;

use std::time::Duration;

use common::{fresh_database, spawn_app, sql};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_instances_migrate_one_database_once() {
    let url = fresh_database().await;
    let apps = [
        spawn_app(&url, &[]).await,
        spawn_app(&url, &[]).await,
        spawn_app(&url, &[]).await,
    ];
    for app in &apps {
        app.wait_ready(Duration::from_secs(15)).await;
        assert_eq!(app.status("/greeting/1").await, 200);
    }

    let db = sql(&url).await;
    let count = |table: &'static str| {
        let db = &db;
        async move {
            db.query_one(&format!("SELECT count(*) FROM {table}"), &[])
                .await
                .unwrap()
                .get::<_, i64>(0)
        }
    };
    assert_eq!(count("greetings").await, 1, "one seed row");
    assert_eq!(
        count("refinery_schema_history").await,
        1,
        "each migration applied once"
    );
    let tables: Vec<String> = db
        .query(
            "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(tables, ["greetings", "refinery_schema_history"]);

    for app in apps {
        let text = app.metrics().await;
        assert!(
            text.contains("db_errors_total{kind=\"migration\"} 0"),
            "no instance saw a migration error"
        );
        app.shutdown().await;
    }

    // A restart finds nothing left to apply.
    let again = spawn_app(&url, &[]).await;
    again.wait_ready(Duration::from_secs(10)).await;
    assert_eq!(count("refinery_schema_history").await, 1);
    again.shutdown().await;
}
