//! Rates (`500`, `500/s`, `30000/m`) and shards (`1/4`) as written in workload files and on the
//! command line; durations are the workspace's one grammar, [`cutover_common::duration`].

/// Parses a size: `1GB`, `500MB`, `64KB`, `1.5GiB`, `4096` (bytes). KB/MB/GB/TB are powers of
/// 1,000, KiB/MiB/GiB/TiB of 1,024.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a size: write a number and a unit, e.g. 500MB, 1GB"))?;
    let factor: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "kb" | "k" => 1e3,
        "mb" | "m" => 1e6,
        "gb" | "g" => 1e9,
        "tb" | "t" => 1e12,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        "tib" => 1024.0f64.powi(4),
        other => {
            return Err(format!("`{text}`: unknown unit `{other}`; use B, KB, MB, GB, TB or KiB, MiB, GiB"));
        }
    };
    let bytes = value * factor;
    if !(1.0..=1e18).contains(&bytes) {
        return Err(format!("`{text}` is out of range"));
    }
    Ok(bytes as u64)
}

/// Parses a rate per second: `500`, `500/s`, `30000/m`, `1e6/h`.
pub fn parse_rate(text: &str) -> Result<f64, String> {
    let t = text.trim();
    let (number, per) = t.split_once('/').unwrap_or((t, "s"));
    let value: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a rate: write e.g. 500/s, 30000/m or 500 (per second)"))?;
    let per_second = match per.trim() {
        "s" | "sec" => value,
        "m" | "min" => value / 60.0,
        "h" => value / 3600.0,
        other => return Err(format!("`{text}`: unknown period `{other}`; use /s, /m or /h")),
    };
    if !per_second.is_finite() || per_second <= 0.0 {
        return Err(format!("`{text}`: the rate must be above zero"));
    }
    Ok(per_second)
}

/// One agent's share of a sharded run: `index` (0-based) of `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Shard {
    /// 0-based index of this agent.
    pub index: u64,
    /// Number of agents.
    pub count: u64,
}

impl Shard {
    /// The whole run on one agent.
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    /// Parses `i/N` with 0 ≤ i < N.
    pub fn parse(text: &str) -> Result<Shard, String> {
        let fix = "write i/N with 0 <= i < N, e.g. --shard 0/4 on the first of four agents";
        let (i, n) = text.split_once('/').ok_or_else(|| format!("`{text}`: {fix}"))?;
        let index: u64 = i.trim().parse().map_err(|_| format!("`{text}`: {fix}"))?;
        let count: u64 = n.trim().parse().map_err(|_| format!("`{text}`: {fix}"))?;
        if count == 0 || index >= count {
            return Err(format!("`{text}`: {fix}"));
        }
        Ok(Shard { index, count })
    }

    /// True when the item with this global index belongs to this shard.
    pub fn owns(&self, global_index: u64) -> bool {
        global_index % self.count == self.index
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates() {
        assert_eq!(parse_rate("500/s").unwrap(), 500.0);
        assert_eq!(parse_rate("500").unwrap(), 500.0);
        assert_eq!(parse_rate("600/m").unwrap(), 10.0);
        assert!(parse_rate("0/s").is_err());
        assert!(parse_rate("fast").is_err());
    }

    #[test]
    fn shards() {
        assert_eq!(Shard::parse("1/4").unwrap(), Shard { index: 1, count: 4 });
        assert!(Shard::parse("4/4").is_err());
        assert!(Shard::parse("x").is_err());
        assert_eq!(parse_size("1GB"), Ok(1_000_000_000));
        assert_eq!(parse_size("1.5 MiB"), Ok(1_572_864));
        assert_eq!(parse_size("4096"), Ok(4096));
        assert!(parse_size("10 parsecs").is_err() && parse_size("0").is_err());
        let owners: Vec<u64> = (0..8).filter(|&i| Shard { index: 1, count: 4 }.owns(i)).collect();
        assert_eq!(owners, vec![1, 5]);
    }
}
