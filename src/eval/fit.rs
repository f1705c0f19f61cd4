//! Fitting confidence: logistic regression of "the first candidate is right" on the ranking's
//! signals.
//!
//! A confidence is only useful if it means what it says: of the answers given 0.9, nine in
//! ten should be right, on questionnaires nobody tuned for. Hand-set logit weights drift
//! from that as soon as a feature changes, so the weights are fitted on the labelled sets the
//! project has (the bench gold, the held-out phrasings of the bench and shipped libraries,
//! the samples' gold) by L2-regularised logistic regression, solved by Newton's method. The
//! fit is small (a few thousand rows, a dozen signals) and exact, so it runs in `vouch
//! calibrate` in well under a second, and its output is a file of coefficients committed with
//! the figures they came from. Never fitted per question or per id: one weight per signal.

/// One labelled row: the signals of a ranking and whether its first candidate was right.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub x: Vec<f64>,
    pub y: bool,
    /// How much the row counts (sets of different sizes are weighted to count alike).
    pub weight: f64,
}

/// The logistic function.
pub fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// P(right) for signals `x` under `w` (`w[0]` is the intercept).
pub fn predict(w: &[f64], x: &[f64]) -> f64 {
    let z = w.first().copied().unwrap_or(0.0)
        + w.iter().skip(1).zip(x).map(|(a, b)| a * b).sum::<f64>();
    sigmoid(z)
}

/// Fit weights (intercept first) minimising the weighted mean log loss plus `l2` times the
/// squared weights (not the intercept). Newton's method: converges in a few dozen steps on these sizes.
pub fn fit(rows: &[Row], l2: f64) -> Vec<f64> {
    let total: f64 = rows.iter().map(|r| r.weight).sum();
    let l2 = l2 * total.max(1.0);
    let d = rows.first().map_or(0, |r| r.x.len()) + 1;
    let mut w = vec![0.0f64; d];
    let aug = |r: &Row| -> Vec<f64> { std::iter::once(1.0).chain(r.x.iter().copied()).collect() };
    for _ in 0..100 {
        let mut grad = vec![0.0f64; d];
        let mut hess = vec![vec![0.0f64; d]; d];
        for r in rows {
            let x = aug(r);
            let p = predict(&w, &r.x);
            let err = r.weight * (p - if r.y { 1.0 } else { 0.0 });
            let s = r.weight * (p * (1.0 - p)).max(1e-9);
            for i in 0..d {
                grad[i] += err * x[i];
                for j in 0..d {
                    hess[i][j] += s * x[i] * x[j];
                }
            }
        }
        for i in 1..d {
            grad[i] += 2.0 * l2 * w[i];
            hess[i][i] += 2.0 * l2;
        }
        hess[0][0] += 1e-9;
        let Some(step) = solve(hess, grad) else {
            break;
        };
        let mut biggest = 0.0f64;
        for (wi, si) in w.iter_mut().zip(&step) {
            *wi -= si;
            biggest = biggest.max(si.abs());
        }
        if biggest < 1e-10 {
            break;
        }
    }
    w
}

/// Solve `a x = b` by Gaussian elimination with partial pivoting; None when singular.
fn solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Option<Vec<f64>> {
    let n = b.len();
    for col in 0..n {
        let pivot = (col..n).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() < 1e-12 {
            return None;
        }
        a.swap(col, pivot);
        b.swap(col, pivot);
        let (top, rest) = a.split_at_mut(col + 1);
        let pivot_row = &top[col];
        for (i, row) in rest.iter_mut().enumerate() {
            let f = row[col] / pivot_row[col];
            if f == 0.0 {
                continue;
            }
            for (x, p) in row.iter_mut().zip(pivot_row).skip(col) {
                *x -= f * p;
            }
            b[col + 1 + i] -= f * b[col];
        }
    }
    let mut x = vec![0.0f64; n];
    for row in (0..n).rev() {
        let s: f64 = (row + 1..n).map(|k| a[row][k] * x[k]).sum();
        x[row] = (b[row] - s) / a[row][row];
    }
    Some(x)
}

/// Weighted mean log loss of `w` on `rows`.
pub fn log_loss(w: &[f64], rows: &[Row]) -> f64 {
    let total: f64 = rows.iter().map(|r| r.weight).sum();
    if total <= 0.0 {
        return 0.0;
    }
    rows.iter()
        .map(|r| {
            let p = predict(w, &r.x).clamp(1e-12, 1.0 - 1e-12);
            r.weight * if r.y { -p.ln() } else { -(1.0 - p).ln() }
        })
        .sum::<f64>()
        / total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_a_known_logistic_model() {
        // y = 1 when 2x - 1 + noise > 0, drawn from a fixed sequence.
        let mut rows = Vec::new();
        let mut seed = 7u64;
        for i in 0..2000 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let u = (seed >> 11) as f64 / (1u64 << 53) as f64;
            let x = (i % 100) as f64 / 50.0 - 1.0;
            let p = sigmoid(3.0 * x - 0.5);
            rows.push(Row {
                x: vec![x],
                y: u < p,
                weight: 1.0,
            });
        }
        let w = fit(&rows, 1e-6);
        assert!((w[1] - 3.0).abs() < 0.5, "{w:?}");
        assert!((w[0] + 0.5).abs() < 0.3, "{w:?}");
        assert!(log_loss(&w, &rows) < log_loss(&[0.0, 0.0], &rows));
    }

    #[test]
    fn regularisation_keeps_separable_data_finite() {
        let rows = vec![
            Row {
                x: vec![1.0],
                y: true,
                weight: 1.0,
            },
            Row {
                x: vec![-1.0],
                y: false,
                weight: 1.0,
            },
        ];
        let w = fit(&rows, 0.1);
        assert!(w.iter().all(|v| v.is_finite()));
        assert!(predict(&w, &[1.0]) > 0.5 && predict(&w, &[-1.0]) < 0.5);
    }

    #[test]
    fn solves_a_small_system() {
        let x = solve(vec![vec![2.0, 1.0], vec![1.0, 3.0]], vec![3.0, 5.0]).unwrap();
        assert!((x[0] - 0.8).abs() < 1e-9 && (x[1] - 1.4).abs() < 1e-9);
        assert!(solve(vec![vec![1.0, 2.0], vec![2.0, 4.0]], vec![1.0, 2.0]).is_none());
    }
}
