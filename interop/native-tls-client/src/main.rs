//! Connects to a SQL Server (the simulator in tests) with tiberius's default TLS stack,
//! trusting the server certificate, and runs one query. Usage: native-tls-client PORT USER PASSWORD
use tiberius::{AuthMethod, Client, Config};
use tokio::net::TcpStream;
use tokio_util::compat::TokioAsyncWriteCompatExt;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, port, user, password] = &args[..] else {
        return Err("usage: native-tls-client PORT USER PASSWORD".into());
    };
    let mut config = Config::new();
    config.host("127.0.0.1");
    config.port(port.parse()?);
    config.authentication(AuthMethod::sql_server(user, password));
    config.trust_cert();
    let tcp = TcpStream::connect(config.get_addr()).await?;
    let mut client = Client::connect(config, tcp.compat_write()).await?;
    let row = client.query("SELECT @P1 + 1 AS answer", &[&41i32]).await?.into_row().await?;
    let answer: Option<i32> = row.and_then(|r| r.get(0));
    println!("answer {}", answer.ok_or("no row")?);
    Ok(())
}
