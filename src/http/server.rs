//! The accept loop: warp's filters served by hyper with a header read timeout (warp's own
//! `serve` sets no timer, so a client trickling its headers could hold a connection forever)
//! and graceful shutdown: stop accepting, then let open connections finish their requests.
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use warp::Filter;
use warp::http::Request;
use warp::reply::Response;

/// The peer address of a connection, available to filters via `warp::ext::optional`.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub SocketAddr);

/// The client's address as a filter (None only if the server did not set it).
pub fn client_addr() -> impl Filter<Extract = (Option<SocketAddr>,), Error = Infallible> + Copy {
    warp::ext::optional::<ClientAddr>().map(|addr: Option<ClientAddr>| addr.map(|a| a.0))
}

/// Serves `service` (from `warp::service`) on `listener` until `stop` resolves, then waits for
/// open connections to finish their in-flight requests (the caller bounds that wait).
pub async fn serve<S>(
    service: S,
    listener: TcpListener,
    stop: impl Future<Output = ()>,
    header_timeout: Duration,
) where
    S: tower_service::Service<Request<Incoming>, Response = Response, Error = Infallible>
        + Clone
        + Send
        + Sync
        + 'static,
    S::Future: Send + 'static,
{
    let graceful = GracefulShutdown::new();
    let mut stop = std::pin::pin!(stop);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(err) => {
                    // Typically EMFILE: back off instead of spinning.
                    tracing::warn!(error = %err, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let service = WithClientAddr {
            inner: service.clone(),
            addr: ClientAddr(peer),
        };
        let mut builder = Builder::new(TokioExecutor::new());
        builder
            .http1()
            .timer(TokioTimer::new())
            .header_read_timeout(header_timeout);
        builder.http2().timer(TokioTimer::new());
        let connection = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), service)
            .into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(err) = connection.await {
                // Resets and header timeouts by clients are routine.
                tracing::debug!(error = %err, %peer, "connection ended with an error");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
}

/// Adds the peer address to every request of a connection.
#[derive(Clone)]
struct WithClientAddr<S> {
    inner: S,
    addr: ClientAddr,
}

impl<S> hyper::service::Service<Request<Incoming>> for WithClientAddr<S>
where
    S: tower_service::Service<Request<Incoming>, Response = Response, Error = Infallible> + Clone,
{
    type Response = Response;
    type Error = Infallible;
    type Future = S::Future;

    fn call(&self, mut request: Request<Incoming>) -> Self::Future {
        request.extensions_mut().insert(self.addr);
        // warp's service is always ready: no poll_ready needed.
        self.inner.clone().call(request)
    }
}
