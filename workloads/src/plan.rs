//! The deterministic sequence of work a workload produces: for global unit `i`, the template
//! (drawn by weight) and its parameter values, and in an open loop its intended start (fixed
//! spacing or Poisson gaps). One seed gives the same sequence on every machine; `--shard i/N`
//! keeps the units whose global index is `i` modulo `N`, so shards are disjoint and their union
//! is the unsharded run.

use std::sync::Arc;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::spec::{Arrival, Template, Workload};
use crate::units::Shard;
use crate::value::ParamValue;
use crate::weights::Weights;

/// One unit of work.
#[derive(Clone, Debug, PartialEq)]
pub struct Unit {
    /// Global index (the same in every shard).
    pub index: u64,
    /// Index into the workload's templates.
    pub template: usize,
    /// Parameter values, one per template parameter.
    pub values: Vec<ParamValue>,
    /// Intended start (open loop), from the run's origin.
    pub intended: Duration,
}

/// Seeds derived from the workload seed, so changing the mix does not change the arrivals.
const ARRIVAL_SALT: u64 = 0x9E37_79B9_7F4A_7C15;

/// Generates the units of a workload in order.
#[derive(Debug)]
pub struct Planner {
    templates: Arc<[Template]>,
    weights: Weights,
    values_rng: StdRng,
    arrivals: Option<(Arrival, f64, StdRng)>,
    next_index: u64,
    next_arrival: Duration,
    shard: Shard,
    limit: Option<u64>,
}

impl Planner {
    /// A planner for `workload` (arrivals when it is open-loop), taking `shard`'s share.
    pub fn new(workload: &Workload, shard: Shard) -> Self {
        let weights = Weights::new(workload.templates.iter().map(|t| t.weight));
        let arrivals = match workload.load {
            crate::spec::Load::Open { rate, arrival, .. } => {
                Some((arrival, rate, StdRng::seed_from_u64(workload.seed ^ ARRIVAL_SALT)))
            }
            crate::spec::Load::Closed { .. } => None,
        };
        let limit = match workload.stop {
            crate::spec::Stop::Count(n) => Some(n),
            crate::spec::Stop::Duration(_) => None,
        };
        Planner {
            templates: workload.templates.clone().into(),
            weights,
            values_rng: StdRng::seed_from_u64(workload.seed),
            arrivals,
            next_index: 0,
            next_arrival: Duration::ZERO,
            shard,
            limit,
        }
    }

    /// The templates.
    pub fn templates(&self) -> &Arc<[Template]> {
        &self.templates
    }

    /// The next global unit (whoever owns it), or `None` past the count.
    fn generate(&mut self) -> Option<Unit> {
        let index = self.next_index;
        if self.limit.is_some_and(|n| index >= n) {
            return None;
        }
        self.next_index += 1;
        let intended = self.next_arrival;
        if let Some((arrival, rate, rng)) = &mut self.arrivals {
            let gap = match arrival {
                Arrival::Fixed => 1.0 / *rate,
                // Exponential gap: −ln(U)/rate, U in (0, 1].
                Arrival::Poisson => -(1.0 - rng.random::<f64>()).ln() / *rate,
            };
            self.next_arrival += Duration::from_secs_f64(gap);
        }
        let template = self.weights.pick(&mut self.values_rng);
        let t = &self.templates[template];
        let values = t.generators.iter().map(|g| g.generate(&mut self.values_rng, index)).collect();
        Some(Unit { index, template, values, intended })
    }
}

impl Iterator for Planner {
    type Item = Unit;

    /// The next unit this shard owns.
    fn next(&mut self) -> Option<Unit> {
        loop {
            let unit = self.generate()?;
            if self.shard.owns(unit.index) {
                return Some(unit);
            }
        }
    }
}
