//! TLS with a per-connection CA: a throwaway CA and server certificate made with rcgen, a rustls front that forwards
//! to the APISmith simulator, and a client that trusts it only when the CA file is configured.

mod common;

use common::{cancel, login_config, sim};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
use std::sync::Arc;
use syncflow_core::error::{Coded, ErrorCode};
use syncflow_core::http::RetryPolicy;
use syncflow_core::source::apismith::ApiSmithClient;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::rustls::{self, ServerConfig};

/// Starts a TLS listener on 127.0.0.1 that forwards plain bytes to `backend`; returns its port and the CA PEM.
async fn tls_front(backend: std::net::SocketAddr) -> (u16, String) {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "SyncFlow Test CA");
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let srv_key = KeyPair::generate().unwrap();
    let srv = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    let srv_cert = srv.signed_by(&srv_key, &ca_cert, &ca_key).unwrap();

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let cfg = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(srv_cert.der().to_vec())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(srv_key.serialize_der())),
        )
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(cfg));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // A refused handshake (the untrusting client) just ends this connection.
                if let Ok(mut tls) = acceptor.accept(tcp).await {
                    if let Ok(mut plain) = tokio::net::TcpStream::connect(backend).await {
                        let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
                    }
                }
            });
        }
    });
    (port, ca_cert.pem())
}

#[tokio::test]
async fn custom_ca_is_trusted_only_when_configured() {
    let s = sim(10).await;
    let backend = s
        .apismith_url
        .trim_start_matches("http://")
        .parse()
        .unwrap();
    let (port, ca_pem) = tls_front(backend).await;
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("test-ca.pem");
    std::fs::write(&ca_file, ca_pem).unwrap();
    let url = format!("https://localhost:{port}");

    let mut cfg = login_config(&url, "sync");
    cfg.retry = RetryPolicy {
        max_attempts: 1,
        ..common::fast_retry()
    };
    let refused = ApiSmithClient::new(&cfg)
        .unwrap()
        .connectors(&cancel())
        .await
        .unwrap_err();
    assert_eq!(refused.code(), ErrorCode::Network);
    assert!(
        refused.to_string().to_lowercase().contains("certificate"),
        "says why: {refused}"
    );

    cfg.ca_file = Some(ca_file);
    let c = ApiSmithClient::new(&cfg).unwrap();
    let connectors = c
        .connectors(&cancel())
        .await
        .expect("trusted through the configured CA");
    assert_eq!(connectors.len(), 1);

    cfg.ca_file = Some(dir.path().join("missing.pem"));
    let e = ApiSmithClient::new(&cfg)
        .err()
        .expect("an unreadable CA file is a configuration error");
    assert_eq!(e.code(), ErrorCode::Validation);
}
