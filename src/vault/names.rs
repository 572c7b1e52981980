//! Suggestions for a mistyped account name: the names people most likely
//! meant. Pure.

/// Up to three names close to `wanted`: same letters in another case, one
/// containing the other, or at most two edits away.
pub(super) fn close_names<'a>(
    wanted: &str,
    names: impl Iterator<Item = &'a String>,
) -> Vec<String> {
    let w = wanted.to_lowercase();
    let mut scored: Vec<(usize, &String)> = names
        .filter_map(|n| {
            let l = n.to_lowercase();
            let d = edit_distance(&w, &l);
            let related = d <= 2 || (w.len() >= 3 && (l.contains(&w) || w.contains(&l)));
            related.then_some((d, n))
        })
        .collect();
    scored.sort();
    scored.into_iter().take(3).map(|(_, n)| n.clone()).collect()
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for j in 0..b.len() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != b[j]))
                .min(row[j] + 1)
                .min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}
