//! SASL GSSAPI (Kerberos v5) for the ZooKeeper client, through the system's GSS-API library
//! (MIT Kerberos' `libgssapi_krb5`).
//!
//! ZooKeeper's `SASLAuthenticationProvider` with a Kerberos JAAS `Server` section
//! authenticates clients with the SASL mechanism `GSSAPI` (RFC 4752). This crate implements
//! the client side as a [`SaslMechanismFactory`] for `zk-proto`'s session, so every
//! connection (the first and every reconnect) runs the exchange before anything else is sent:
//!
//! 1. the client sends the first Kerberos token (the AP-REQ for the service ticket);
//! 2. tokens go back and forth until the security context is established (with mutual
//!    authentication, the server's AP-REP, answered by an empty token);
//! 3. the server sends its security-layer offer, wrapped: the client unwraps the 4 bytes,
//!    checks that "no security layer" is offered, and answers, wrapped, with "no security
//!    layer", a maximum message size of 0 and the authorization id (its own principal, as the
//!    Java client does);
//! 4. the server answers that last token with a null one, and only then is the exchange
//!    complete (ZooKeeper's "GSSAPI: server sends a final packet"): nothing else is sent on
//!    the connection before it.
//!
//! No security layer is ever used: traffic stays plain jute, as with the Java client.
//!
//! The server then knows the connection as `("sasl", "<principal>")`, e.g. `client@EXAMPLE.COM`
//! (ZooKeeper keeps the realm and host parts unless `zookeeper.kerberos.removeRealmFromPrincipal`
//! or `removeHostFromPrincipal` are set), which is what `sasl:` ACLs name.
//!
//! # Which principals
//!
//! * **Server:** `zookeeper/<host>@<REALM>`, where `<host>` is the host of the connect-string
//!   entry being connected to, canonicalized by Kerberos by default (see
//!   [`GssapiConfig::canonicalize_host`]); [`GssapiConfig::service`] changes `zookeeper` (the
//!   Java client's `zookeeper.sasl.client.username`) and [`GssapiConfig::server_principal`]
//!   names the whole principal (`zookeeper.server.principal`).
//! * **Client:** the default credentials of the process (the default credential cache, e.g.
//!   after `kinit`), or a named principal ([`GssapiConfig::principal`]) whose tickets MIT
//!   Kerberos finds in the credential-cache collection or gets with the *client keytab*
//!   (`KRB5_CLIENT_KTNAME=/path/client.keytab`, or `default_client_keytab_name` in
//!   `krb5.conf`), or a principal and its password ([`GssapiConfig::password`]).
//!
//! The Kerberos configuration is the process's: `KRB5_CONFIG` (else `/etc/krb5.conf`),
//! `KRB5CCNAME`, `KRB5_CLIENT_KTNAME`, read by MIT Kerberos from the environment. Set them
//! before the process starts: this crate never changes the environment (doing so in a running,
//! multi-threaded program is unsound, and `unsafe` in Rust 2024).
//!
//! There is no per-configuration keytab path: that needs MIT's `gss_acquire_cred_from`, which
//! the safe `libgssapi` bindings do not offer (and this workspace forbids `unsafe`). A keytab
//! is named by `KRB5_CLIENT_KTNAME` (or `default_client_keytab_name`), as a JAAS file is for
//! the Java client, and [`GssapiConfig::principal`] picks the principal in it.
//!
//! The GSS-API calls are synchronous: the first token of each connection may need round trips
//! to the KDC (a TGT from the keytab or password, a service ticket). They never run inside the
//! session or under the client's lock: each step leaves the session as a
//! `zk_proto::Action::Sasl`, which the client runs on a thread of its own, so a slow KDC
//! delays only the exchange of that one connection. MIT Kerberos bounds the round trips with
//! its own timeouts (`krb5.conf`), and the session fails an exchange that does not finish
//! within the connect timeout (then tries the next server).
//!
//! # Example
//!
//! ```no_run
//! # async fn demo() -> Result<(), zk_client_tokio::Error> {
//! // KRB5_CLIENT_KTNAME=/etc/app/client.keytab in the environment, or a `kinit` beforehand.
//! let sasl = zk_sasl_gssapi::GssapiConfig::new()
//!     .principal("app@EXAMPLE.COM")
//!     .into_sasl_config();
//! let client = zk_client_tokio::builder("zk1.example.com:2181,zk2.example.com:2181")
//!     .sasl(sasl)
//!     .connect()
//!     .await?;
//! println!("{:?}", client.who_am_i().await?);
//! # Ok(()) }
//! ```

use std::fmt;
use std::sync::Arc;

use libgssapi::context::{ClientCtx, CtxFlags, SecurityContext};
use libgssapi::credential::{Cred, CredUsage};
use libgssapi::name::Name;
use libgssapi::oid::{GSS_MECH_KRB5, GSS_NT_HOSTBASED_SERVICE, GSS_NT_KRB5_PRINCIPAL, OidSet};
use zk_proto::HostPort;
use zk_proto::sasl::{SaslConfig, SaslError, SaslMechanism, SaslMechanismFactory, SaslStep};

/// The security-layer bit for "no security layer" (RFC 4752 §3.1).
const NO_SECURITY_LAYER: u8 = 0x01;

/// How the client authenticates with SASL GSSAPI (Kerberos v5); turn it into a
/// [`SaslConfig`] with [`into_sasl_config`](GssapiConfig::into_sasl_config) (or `.into()`)
/// and hand that to the client builder's `sasl`.
///
/// The defaults match the Java client's: service `zookeeper`, the host canonicalized, the
/// process's default Kerberos credentials.
///
/// ```
/// use zk_sasl_gssapi::GssapiConfig;
///
/// let sasl = GssapiConfig::new()
///     .service("zookeeper")
///     .principal("app@EXAMPLE.COM")
///     .into_sasl_config();
/// let builder = zk_client_tokio::builder("127.0.0.1:2181").sasl(sasl);
/// # drop(builder);
/// ```
#[derive(Clone)]
pub struct GssapiConfig {
    service: String,
    server_principal: Option<String>,
    canonicalize_host: bool,
    client: Client,
}

/// Where the client's credentials come from.
#[derive(Clone)]
enum Client {
    /// GSS_C_NO_CREDENTIAL: the default ccache (or the client keytab's first principal).
    Default,
    /// A named principal: the ccache collection, else the client keytab.
    Principal(String),
    /// A named principal and its password: a fresh TGT on each connection.
    Password(String, Arc<str>),
}

impl GssapiConfig {
    /// The service name of ZooKeeper's principal unless [`service`](GssapiConfig::service)
    /// says otherwise: `zookeeper`, as in `zookeeper/<host>@<REALM>`.
    ///
    /// ```
    /// assert_eq!(zk_sasl_gssapi::GssapiConfig::DEFAULT_SERVICE, "zookeeper");
    /// ```
    pub const DEFAULT_SERVICE: &'static str = "zookeeper";

    /// The defaults: service `zookeeper`, canonicalized host, default credentials.
    ///
    /// ```
    /// let sasl: zk_client_tokio::sasl::SaslConfig = zk_sasl_gssapi::GssapiConfig::new().into();
    /// # drop(sasl);
    /// ```
    pub fn new() -> Self {
        GssapiConfig {
            service: Self::DEFAULT_SERVICE.to_owned(),
            server_principal: None,
            canonicalize_host: true,
            client: Client::Default,
        }
    }

    /// The service part of the server's principal, `<service>/<host>@<REALM>` (the Java
    /// client's `zookeeper.sasl.client.username`). Default `zookeeper`. Ignored when
    /// [`server_principal`](GssapiConfig::server_principal) is set.
    ///
    /// ```
    /// let config = zk_sasl_gssapi::GssapiConfig::new().service("zk");
    /// # drop(config);
    /// ```
    pub fn service(mut self, service: impl Into<String>) -> Self {
        self.service = service.into();
        self
    }

    /// The server's whole principal, the same for every server of the connect string (the
    /// Java client's `zookeeper.server.principal`), e.g. `zookeeper/zk.example.com@EXAMPLE.COM`;
    /// without `@REALM` the default realm of `krb5.conf` applies. Overrides
    /// [`service`](GssapiConfig::service) and [`canonicalize_host`](GssapiConfig::canonicalize_host).
    ///
    /// ```
    /// let config = zk_sasl_gssapi::GssapiConfig::new()
    ///     .server_principal("zookeeper/zk.example.com@EXAMPLE.COM");
    /// # drop(config);
    /// ```
    pub fn server_principal(mut self, principal: impl Into<String>) -> Self {
        self.server_principal = Some(principal.into());
        self
    }

    /// Whether the host part of the server's principal is canonicalized. Default `true`, like
    /// the Java client's `zookeeper.sasl.client.canonicalize.hostname`.
    ///
    /// * `true`: the host of the connect-string entry goes to Kerberos as a host-based service
    ///   name, `<service>@<host>`. MIT Kerberos canonicalizes the host as `krb5.conf` says
    ///   (`dns_canonicalize_hostname`, `rdns`: by default a forward lookup then a reverse one,
    ///   so `127.0.0.1` becomes `localhost` on a usual `/etc/hosts`) and finds its realm
    ///   (`[domain_realm]`, else the default realm or a KDC referral).
    /// * `false`: the principal is `<service>/<host>` exactly as written in the connect
    ///   string, in the default realm, without any DNS lookup.
    ///
    /// ```
    /// // "zk1.example.com:2181" → zookeeper/zk1.example.com@<default realm>
    /// let config = zk_sasl_gssapi::GssapiConfig::new().canonicalize_host(false);
    /// # drop(config);
    /// ```
    pub fn canonicalize_host(mut self, canonicalize: bool) -> Self {
        self.canonicalize_host = canonicalize;
        self
    }

    /// Authenticates as `principal` (e.g. `app@EXAMPLE.COM`; without `@REALM`, the default
    /// realm). MIT Kerberos takes its tickets from the credential-cache collection (a cache
    /// whose principal it is) or, failing that, gets them with the client keytab: the file
    /// named by `KRB5_CLIENT_KTNAME` in the process's environment (or by
    /// `default_client_keytab_name` in `krb5.conf`), which must hold a key of `principal`.
    /// This is how a service authenticates with a keytab.
    ///
    /// Without this (or [`password`](GssapiConfig::password)), the process's default
    /// credentials are used: the default credential cache (`KRB5CCNAME`), else the first
    /// principal of the client keytab.
    ///
    /// ```
    /// // Started as: KRB5_CLIENT_KTNAME=/etc/app/client.keytab app ...
    /// let config = zk_sasl_gssapi::GssapiConfig::new().principal("app@EXAMPLE.COM");
    /// # drop(config);
    /// ```
    pub fn principal(mut self, principal: impl Into<String>) -> Self {
        self.client = Client::Principal(principal.into());
        self
    }

    /// Authenticates as `principal` with its password: each connection gets a fresh TGT from
    /// the KDC (kept in memory, never in a file). The password never appears in `Debug`
    /// output, logs or errors.
    ///
    /// ```
    /// let config = zk_sasl_gssapi::GssapiConfig::new()
    ///     .password("alice@EXAMPLE.COM", std::env::var("ALICE_PASSWORD").unwrap_or_default());
    /// # drop(config);
    /// ```
    pub fn password(mut self, principal: impl Into<String>, password: impl Into<String>) -> Self {
        self.client = Client::Password(principal.into(), Arc::from(password.into()));
        self
    }

    /// The [`SaslConfig`] for the client builder's `sasl` (through
    /// [`SaslConfig::custom`]).
    ///
    /// ```
    /// let sasl = zk_sasl_gssapi::GssapiConfig::new().into_sasl_config();
    /// let builder = zk_client_tokio::builder("127.0.0.1:2181").sasl(sasl);
    /// # drop(builder);
    /// ```
    pub fn into_sasl_config(self) -> SaslConfig {
        let description = self.describe();
        SaslConfig::custom(description, Arc::new(self))
    }

    /// A one-line summary without secrets, for `Debug` and the `SaslConfig`'s description.
    fn describe(&self) -> String {
        let server = match &self.server_principal {
            Some(principal) => principal.clone(),
            None if self.canonicalize_host => format!("{}/<canonical host>", self.service),
            None => format!("{}/<host>", self.service),
        };
        let client = match &self.client {
            Client::Default => "default credentials".to_owned(),
            Client::Principal(principal) => principal.clone(),
            Client::Password(principal, _) => format!("{principal} (password)"),
        };
        format!("GSSAPI as {client} to {server}")
    }

    /// The name of the server to ask a ticket for, and its GSS-API name type.
    fn target(&self, host: &str) -> Target {
        if let Some(principal) = &self.server_principal {
            return Target::Principal(principal.clone());
        }
        if self.canonicalize_host {
            Target::HostBased(format!("{}@{host}", self.service))
        } else {
            Target::Principal(format!("{}/{host}", self.service))
        }
    }

    /// The client's credentials for one connection (`None`: GSS-API's default).
    fn credentials(&self) -> Result<Option<Cred>, SaslError> {
        let (principal, password) = match &self.client {
            Client::Default => return Ok(None),
            Client::Principal(principal) => (principal, None),
            Client::Password(principal, password) => (principal, Some(password)),
        };
        let name = Name::new(principal.as_bytes(), Some(GSS_NT_KRB5_PRINCIPAL))
            .map_err(|e| gss_error(&format!("the client principal {principal:?}"), e))?;
        let mechs = OidSet::singleton(GSS_MECH_KRB5)
            .map_err(|e| gss_error("the Kerberos mechanism set", e))?;
        let cred = match password {
            None => Cred::acquire(Some(&name), None, CredUsage::Initiate, Some(&mechs)),
            Some(password) => Cred::acquire_with_password(
                Some(&name),
                password,
                None,
                CredUsage::Initiate,
                Some(&mechs),
            ),
        };
        cred.map(Some)
            .map_err(|e| gss_error(&format!("credentials of {principal}"), e))
    }
}

impl Default for GssapiConfig {
    /// Same as [`GssapiConfig::new`].
    ///
    /// ```
    /// let config = zk_sasl_gssapi::GssapiConfig::default();
    /// # drop(config);
    /// ```
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for GssapiConfig {
    /// A summary that never shows a password.
    ///
    /// ```
    /// let config = zk_sasl_gssapi::GssapiConfig::new().password("alice@EXAMPLE.COM", "hunter2");
    /// assert!(!format!("{config:?}").contains("hunter2"));
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("GssapiConfig")
            .field(&self.describe())
            .finish()
    }
}

impl From<GssapiConfig> for SaslConfig {
    /// Same as [`GssapiConfig::into_sasl_config`].
    ///
    /// ```
    /// use zk_client_tokio::sasl::SaslConfig;
    /// let sasl: SaslConfig = zk_sasl_gssapi::GssapiConfig::new().into();
    /// # drop(sasl);
    /// ```
    fn from(config: GssapiConfig) -> Self {
        config.into_sasl_config()
    }
}

impl SaslMechanismFactory for GssapiConfig {
    /// A new GSS-API security context with the server at `host` (the first SASL step of every
    /// connection calls this, off the session). Credentials are acquired here, so a password
    /// or keytab login is redone for each connection and never outlives its tickets.
    ///
    /// ```no_run
    /// use zk_client_tokio::sasl::SaslMechanismFactory;
    /// use zk_client_tokio::HostPort;
    ///
    /// let config = zk_sasl_gssapi::GssapiConfig::new();
    /// let mut mechanism = config.start(&HostPort::new("localhost", 2181), 0).unwrap();
    /// let first_token = mechanism.initial_response().unwrap(); // the Kerberos AP-REQ
    /// # drop(first_token);
    /// ```
    fn start(&self, host: &HostPort, _random: u64) -> Result<Box<dyn SaslMechanism>, SaslError> {
        let target = self.target(&host.host);
        let (text, kind) = match &target {
            Target::HostBased(name) => (name, GSS_NT_HOSTBASED_SERVICE),
            Target::Principal(name) => (name, GSS_NT_KRB5_PRINCIPAL),
        };
        tracing::debug!(server = %text, client = %self.describe(), "GSSAPI exchange starts");
        let name = Name::new(text.as_bytes(), Some(kind))
            .map_err(|e| gss_error(&format!("the server name {text:?}"), e))?;
        let cred = self.credentials()?;
        let flags =
            CtxFlags::GSS_C_MUTUAL_FLAG | CtxFlags::GSS_C_INTEG_FLAG | CtxFlags::GSS_C_CONF_FLAG;
        Ok(Box::new(Gssapi {
            ctx: ClientCtx::new(cred, name, flags, Some(GSS_MECH_KRB5)),
            server: text.clone(),
            stage: Stage::Context,
        }))
    }
}

/// The server name handed to GSS-API.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    /// `service@host`, `GSS_C_NT_HOSTBASED_SERVICE`: Kerberos canonicalizes the host.
    HostBased(String),
    /// A Kerberos principal, `GSS_KRB5_NT_PRINCIPAL_NAME`, used as written.
    Principal(String),
}

/// Where one exchange stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Establishing the security context.
    Context,
    /// The context is established: the next server token is the wrapped security-layer offer.
    SecurityLayer,
    /// Our wrapped answer is sent: the server's final (null) token completes the exchange.
    Outcome,
    /// Complete.
    Done,
}

/// One GSSAPI exchange, on one connection.
struct Gssapi {
    ctx: ClientCtx,
    server: String,
    stage: Stage,
}

impl Gssapi {
    fn after_context_step(&mut self, token: Option<Vec<u8>>) -> Result<Vec<u8>, SaslError> {
        if !self.ctx.is_complete() {
            return token.ok_or_else(|| {
                SaslError("GSSAPI: the context needs another round but has no token".into())
            });
        }
        let flags = self
            .ctx
            .flags()
            .map_err(|e| gss_error("the context's flags", e))?;
        if !flags.contains(CtxFlags::GSS_C_MUTUAL_FLAG) {
            return Err(SaslError(format!(
                "GSSAPI: {} was not authenticated (no mutual authentication)",
                self.server
            )));
        }
        self.stage = Stage::SecurityLayer;
        // With mutual authentication the last context token came from the server; the SASL
        // exchange still needs an answer, empty (RFC 4752 §3.1, as the Java client does).
        Ok(token.unwrap_or_default())
    }
}

impl SaslMechanism for Gssapi {
    fn name(&self) -> &str {
        "GSSAPI"
    }

    fn initial_response(&mut self) -> Result<Vec<u8>, SaslError> {
        let token = self
            .ctx
            .step(None, None)
            .map_err(|e| gss_error(&format!("a ticket for {}", self.server), e))?
            .map(|buf| buf.to_vec());
        match token {
            Some(token) => {
                if self.ctx.is_complete() {
                    self.after_context_step(None)?;
                }
                Ok(token)
            }
            None => Err(SaslError("GSSAPI: no initial token".into())),
        }
    }

    fn step(&mut self, challenge: Option<&[u8]>) -> Result<SaslStep, SaslError> {
        match self.stage {
            Stage::Context => {
                let challenge = challenge.ok_or_else(|| {
                    SaslError(
                        "GSSAPI: the server sent no token (is SASL enabled on the server?)".into(),
                    )
                })?;
                let token = self
                    .ctx
                    .step(Some(challenge), None)
                    .map_err(|e| gss_error(&format!("the answer of {}", self.server), e))?
                    .map(|buf| buf.to_vec());
                Ok(SaslStep::Continue(self.after_context_step(token)?))
            }
            Stage::SecurityLayer => {
                let wrapped = challenge.ok_or_else(|| {
                    SaslError("GSSAPI: the server sent no security-layer offer".into())
                })?;
                let offer = self
                    .ctx
                    .unwrap(wrapped)
                    .map_err(|e| gss_error("the server's security-layer offer", e))?;
                let authzid = self
                    .ctx
                    .source_name()
                    .map_err(|e| gss_error("the client's name", e))?
                    .to_string();
                let reply = security_layer_reply(&offer, &authzid)?;
                let wrapped = self
                    .ctx
                    .wrap(false, &reply)
                    .map_err(|e| gss_error("the security-layer answer", e))?;
                self.stage = Stage::Outcome;
                Ok(SaslStep::Continue(wrapped.to_vec()))
            }
            Stage::Outcome => match challenge {
                None | Some([]) => {
                    self.stage = Stage::Done;
                    tracing::debug!(server = %self.server, "GSSAPI exchange complete");
                    Ok(SaslStep::Complete)
                }
                Some(token) => Err(SaslError(format!(
                    "GSSAPI: unexpected {}-byte token after the security layer",
                    token.len()
                ))),
            },
            Stage::Done => Err(SaslError("GSSAPI: the exchange is already complete".into())),
        }
    }
}

/// Our answer to the server's unwrapped security-layer offer (RFC 4752 §3.1): 4 bytes (the
/// offered layers, then the server's maximum message size), answered with "no security
/// layer", a maximum size of 0 (required without a layer), and the authorization id.
fn security_layer_reply(offer: &[u8], authzid: &str) -> Result<Vec<u8>, SaslError> {
    let [layers, ..] = offer else {
        return Err(SaslError("GSSAPI: empty security-layer offer".into()));
    };
    if offer.len() != 4 {
        return Err(SaslError(format!(
            "GSSAPI: the security-layer offer has {} bytes, not 4",
            offer.len()
        )));
    }
    if layers & NO_SECURITY_LAYER == 0 {
        return Err(SaslError(format!(
            "GSSAPI: the server requires a security layer (offer {layers:#04x}); \
             ZooKeeper connections use none"
        )));
    }
    let mut reply = Vec::with_capacity(4 + authzid.len());
    reply.extend_from_slice(&[NO_SECURITY_LAYER, 0, 0, 0]);
    reply.extend_from_slice(authzid.as_bytes());
    Ok(reply)
}

fn gss_error(what: &str, err: libgssapi::error::Error) -> SaslError {
    SaslError(format!("GSSAPI: {what}: {err}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_answer_selects_no_security_layer_and_names_the_client() {
        // Java's server offers every layer it allows (auth only here) and 64 KiB.
        let reply = security_layer_reply(&[0x01, 0x01, 0x00, 0x00], "client@TEST.ZK").unwrap();
        assert_eq!(&reply[..4], &[0x01, 0, 0, 0]);
        assert_eq!(&reply[4..], b"client@TEST.ZK");
        // auth-int and auth-conf offered too: still no layer.
        let reply = security_layer_reply(&[0x07, 0x00, 0xff, 0xff], "").unwrap();
        assert_eq!(reply, [0x01, 0, 0, 0]);
    }

    #[test]
    fn offers_without_the_no_layer_option_or_of_the_wrong_size_are_refused() {
        let err = security_layer_reply(&[0x04, 0x01, 0x00, 0x00], "c").unwrap_err();
        assert!(err.0.contains("requires a security layer"), "{err}");
        assert!(security_layer_reply(&[], "c").is_err());
        assert!(security_layer_reply(&[0x01, 0, 0], "c").is_err());
        assert!(security_layer_reply(&[0x01, 0, 0, 0, 0], "c").is_err());
    }

    #[test]
    fn the_server_name_follows_the_java_client_settings() {
        let config = GssapiConfig::new();
        assert_eq!(
            config.target("127.0.0.1"),
            Target::HostBased("zookeeper@127.0.0.1".into())
        );
        let config = GssapiConfig::new().service("zk").canonicalize_host(false);
        assert_eq!(
            config.target("zk1.example.com"),
            Target::Principal("zk/zk1.example.com".into())
        );
        let config = GssapiConfig::new()
            .service("ignored")
            .server_principal("zookeeper/localhost@TEST.ZK");
        assert_eq!(
            config.target("127.0.0.1"),
            Target::Principal("zookeeper/localhost@TEST.ZK".into())
        );
    }

    #[test]
    fn debug_output_and_the_description_never_show_the_password() {
        let config = GssapiConfig::new().password("alice@TEST.ZK", "s3cr3t-Pa55");
        let debug = format!("{config:?}");
        assert!(debug.contains("alice@TEST.ZK"), "{debug}");
        assert!(!debug.contains("s3cr3t"), "{debug}");
        let sasl = config.into_sasl_config();
        assert!(!format!("{sasl:?}").contains("s3cr3t"));
    }
}
