//! Greetings are read through a statement prepared once per pooled connection, not re-parsed.
mod common;

use hello_server::db::pool::GET_GREETING_SQL;

#[tokio::test]
async fn one_prepared_statement_serves_every_request_of_a_connection() {
    let (app, _) = common::ready_app(&[("db-pool-max-size", "1"), ("db-pool-min-idle", "1")]).await;
    for _ in 0..20 {
        assert_eq!(app.status("/greeting/1").await, 200);
    }
    let pool = app.state().db.pool().clone();
    let conn = pool.get().await.expect("the pool's only connection");
    let rows = conn
        .client
        .query(
            "SELECT generic_plans + custom_plans FROM pg_prepared_statements WHERE statement = $1",
            &[&GET_GREETING_SQL],
        )
        .await
        .unwrap();
    assert_eq!(rows.len(), 1, "prepared once on this connection");
    let executions: i64 = rows[0].get(0);
    assert!(
        executions >= 20,
        "the same statement ran for every request: {executions}"
    );
    drop(conn);
    app.shutdown().await;
}
