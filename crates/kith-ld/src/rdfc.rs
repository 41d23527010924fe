//! RDF Dataset Canonicalization (RDFC-1.0), with a work bound.
//!
//! <https://www.w3.org/TR/rdf-canon/>
//!
//! The algorithm's steps are the spec's sections: [Hash First Degree Quads]
//! (§4.6), [Hash Related Blank Node] (§4.7), [Hash N-Degree Quads] (§4.8), and the
//! canonicalization algorithm itself (§4.4). Hash N-Degree Quads explores every
//! permutation of related blank nodes, which is exponential on some graphs (the
//! "poison" graphs of §6.1); every call and every permutation costs one unit of work
//! and canonicalization stops with [`Error::CanonicalizationTooComplex`] when
//! [`CanonOptions::max_work`] is spent.
//!
//! > Implementations MUST provide a means of limiting the number of calls [...] to
//! > the Hash N-Degree Quads algorithm [...] and return an error when it is exceeded.
//!
//! <https://www.w3.org/TR/rdf-canon/#dataset-poisoning>

use std::collections::{BTreeMap, HashMap};

use sha2::Digest as _;

use crate::Error;
use crate::rdf::{Quad, Term, write_quad};

/// The hash function of RDFC-1.0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HashAlgorithm {
    /// SHA-256, the default.
    #[default]
    Sha256,
    /// SHA-384.
    Sha384,
}

impl HashAlgorithm {
    fn hex(self, input: &[u8]) -> String {
        match self {
            Self::Sha256 => hex::encode(sha2::Sha256::digest(input)),
            Self::Sha384 => hex::encode(sha2::Sha384::digest(input)),
        }
    }
}

/// The default work bound: enough for every legitimate graph of the test suite (and
/// for any VC), far below what a 10-node clique needs.
pub const DEFAULT_MAX_WORK: u64 = 20_000;

/// Options of [`canonicalize`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CanonOptions {
    /// The hash function.
    pub hash: HashAlgorithm,
    /// How many Hash N-Degree Quads calls and permutations may be spent in all.
    pub max_work: u64,
}

impl Default for CanonOptions {
    fn default() -> Self {
        Self {
            hash: HashAlgorithm::Sha256,
            max_work: DEFAULT_MAX_WORK,
        }
    }
}

/// The result of [`canonicalize`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Canonical {
    /// The canonical N-Quads: one line per distinct quad, sorted.
    pub nquads: String,
    /// The quads with canonical blank node labels, in the order of `nquads`.
    pub quads: Vec<Quad>,
    /// The issued identifiers map: input blank node label → canonical label (`c14nN`).
    pub issued: BTreeMap<String, String>,
}

/// The Identifier Issuer state (§4.3).
#[derive(Debug, Clone)]
struct IdentifierIssuer {
    prefix: &'static str,
    counter: usize,
    /// The issued identifiers, in the order issued.
    order: Vec<usize>,
    issued: HashMap<usize, String>,
}

impl IdentifierIssuer {
    fn new(prefix: &'static str) -> Self {
        Self {
            prefix,
            counter: 0,
            order: Vec::new(),
            issued: HashMap::new(),
        }
    }

    /// Issue Identifier (§4.5).
    fn issue(&mut self, node: usize) -> &str {
        if !self.issued.contains_key(&node) {
            let id = format!("{}{}", self.prefix, self.counter);
            self.counter += 1;
            self.order.push(node);
            self.issued.insert(node, id);
        }
        &self.issued[&node]
    }

    fn get(&self, node: usize) -> Option<&str> {
        self.issued.get(&node).map(String::as_str)
    }
}

/// The canonicalization state (§4.2), with blank nodes numbered.
struct State<'a> {
    quads: &'a [Quad],
    /// Blank node labels, by number.
    labels: Vec<&'a str>,
    /// Label → number.
    numbers: HashMap<&'a str, usize>,
    /// The quads that mention each blank node, by number.
    node_quads: Vec<Vec<usize>>,
    canonical: IdentifierIssuer,
    first_degree: Vec<String>,
    hash: HashAlgorithm,
    work_left: u64,
}

/// Canonicalizes `quads` with RDFC-1.0.
///
/// Duplicate quads count once. Errors with [`Error::CanonicalizationTooComplex`] when
/// the work bound is spent.
pub fn canonicalize(quads: &[Quad], options: &CanonOptions) -> Result<Canonical, Error> {
    let mut state = State {
        quads,
        labels: Vec::new(),
        numbers: HashMap::new(),
        node_quads: Vec::new(),
        canonical: IdentifierIssuer::new("c14n"),
        first_degree: Vec::new(),
        hash: options.hash,
        work_left: options.max_work,
    };
    // > 2. For every quad Q in input dataset: for each blank node that is a component
    // > of Q, add a reference to Q from the map entry for the blank node identifier
    for (index, quad) in quads.iter().enumerate() {
        for term in components(quad) {
            if let Term::Blank(label) = term {
                let number = *state.numbers.entry(label).or_insert_with(|| {
                    state.labels.push(label);
                    state.node_quads.push(Vec::new());
                    state.labels.len() - 1
                });
                let list = &mut state.node_quads[number];
                if list.last() != Some(&index) {
                    list.push(index);
                }
            }
        }
    }
    // > 3. For each key n in the blank node to quads map: create a hash, hf(n), for n
    // > using the Hash First Degree Quads algorithm.
    state.first_degree = (0..state.labels.len())
        .map(|node| state.hash_first_degree(node))
        .collect();
    let mut hash_to_nodes: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (node, hash) in state.first_degree.iter().enumerate() {
        hash_to_nodes.entry(hash.as_str()).or_default().push(node);
    }
    // > 4. For each hash to identifier list map entry in hash to blank nodes map, code
    // > point ordered by hash: if the identifier list has more than one entry, continue
    // > to the next mapping. Otherwise use the Issue Identifier algorithm [...]
    let mut shared: Vec<Vec<usize>> = Vec::new();
    let mut canonical = IdentifierIssuer::new("c14n");
    for nodes in hash_to_nodes.values() {
        if let [only] = nodes.as_slice() {
            canonical.issue(*only);
        } else {
            shared.push(nodes.clone());
        }
    }
    state.canonical = canonical;
    // > 5. For each hash to identifier list map entry in hash to blank nodes map, code
    // > point ordered by hash:
    for nodes in shared {
        let mut hash_path_list: Vec<(String, IdentifierIssuer)> = Vec::new();
        for node in nodes {
            // > 5.2.1 If a canonical identifier has already been issued for n, continue
            if state.canonical.get(node).is_some() {
                continue;
            }
            // > 5.2.2 Create temporary issuer [...] prefix b. 5.2.3 Use the Issue
            // > Identifier algorithm, passing temporary issuer and n
            let mut temporary = IdentifierIssuer::new("b");
            temporary.issue(node);
            // > 5.2.4 Run the Hash N-Degree Quads algorithm, passing the canonicalization
            // > state, n for identifier, and temporary issuer, appending the result to
            // > the hash path list.
            hash_path_list.push(state.hash_n_degree(node, temporary)?);
        }
        // > 5.3 For each result in the hash path list, code point ordered by the hash
        // > in result: for each blank node identifier, existing identifier, that was
        // > issued a temporary identifier by identifier issuer in result, issue a
        // > canonical identifier, in the same order
        hash_path_list.sort_by(|a, b| a.0.cmp(&b.0));
        for (_, issuer) in hash_path_list {
            for node in issuer.order {
                state.canonical.issue(node);
            }
        }
    }
    // > 6. Add the issued identifiers map from the canonical issuer to the normalized
    // > dataset. [...] 7. Return the serialized canonical form of the normalized dataset.
    let relabel = |term: &Term| match term {
        Term::Blank(label) => Term::Blank(
            state
                .canonical
                .get(state.numbers[label.as_str()])
                .unwrap_or_default()
                .to_owned(),
        ),
        other => other.clone(),
    };
    let mut lines: Vec<(String, Quad)> = quads
        .iter()
        .map(|quad| {
            let quad = Quad {
                subject: relabel(&quad.subject),
                predicate: relabel(&quad.predicate),
                object: relabel(&quad.object),
                graph: quad.graph.as_ref().map(relabel),
            };
            (quad.to_nquad(), quad)
        })
        .collect();
    lines.sort_by(|a, b| a.0.cmp(&b.0));
    lines.dedup_by(|a, b| a.0 == b.0);
    let issued = state
        .labels
        .iter()
        .enumerate()
        .map(|(node, label)| {
            (
                (*label).to_owned(),
                state.canonical.get(node).unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let mut nquads = String::with_capacity(lines.iter().map(|(line, _)| line.len()).sum());
    let mut out = Vec::with_capacity(lines.len());
    for (line, quad) in lines {
        nquads.push_str(&line);
        out.push(quad);
    }
    Ok(Canonical {
        nquads,
        quads: out,
        issued,
    })
}

/// The subject, predicate, object and graph of `quad`.
fn components(quad: &Quad) -> impl Iterator<Item = &Term> {
    [&quad.subject, &quad.predicate, &quad.object]
        .into_iter()
        .chain(quad.graph.as_ref())
}

impl State<'_> {
    fn spend(&mut self) -> Result<(), Error> {
        if self.work_left == 0 {
            return Err(Error::CanonicalizationTooComplex);
        }
        self.work_left -= 1;
        Ok(())
    }

    /// Hash First Degree Quads (§4.6).
    fn hash_first_degree(&self, node: usize) -> String {
        let reference = self.labels[node];
        // > 3.1 Serialize the quad in canonical n-quads form with the following special
        // > rule: if any component is a blank node, then serialize it using a special
        // > identifier as follows: a if it is the reference blank node, z otherwise.
        let replace = |term: &Term| match term {
            Term::Blank(label) if label == reference => Term::Blank("a".into()),
            Term::Blank(_) => Term::Blank("z".into()),
            other => other.clone(),
        };
        let mut nquads: Vec<String> = self.node_quads[node]
            .iter()
            .map(|&index| {
                let quad = &self.quads[index];
                let mut line = String::new();
                write_quad(
                    &Quad {
                        subject: replace(&quad.subject),
                        predicate: replace(&quad.predicate),
                        object: replace(&quad.object),
                        graph: quad.graph.as_ref().map(replace),
                    },
                    &mut line,
                );
                line
            })
            .collect();
        // > 4. Sort nquads in Unicode code point order. 5. Return the hash that results
        // > from passing the sorted and concatenated nquads through the hash algorithm.
        nquads.sort_unstable();
        self.hash.hex(nquads.concat().as_bytes())
    }

    /// Hash Related Blank Node (§4.7).
    fn hash_related(
        &self,
        related: usize,
        quad: &Quad,
        issuer: &IdentifierIssuer,
        position: char,
    ) -> String {
        // > 1. Initialize a string input to the value of position.
        let mut input = String::new();
        input.push(position);
        // > 2. If position is not g, append <, the value of the predicate in quad, and >
        if position != 'g'
            && let Term::Iri(predicate) = &quad.predicate
        {
            input.push('<');
            input.push_str(predicate);
            input.push('>');
        }
        // > 3. If there is a canonical identifier for related, or an identifier issued by
        // > issuer, append the string _:, followed by that identifier [...]
        // > 4. Otherwise, append the result of the Hash First Degree Quads algorithm
        if let Some(id) = self.canonical.get(related).or_else(|| issuer.get(related)) {
            input.push_str("_:");
            input.push_str(id);
        } else {
            input.push_str(&self.first_degree[related]);
        }
        // > 5. Return the hash that results from passing input through the hash algorithm.
        self.hash.hex(input.as_bytes())
    }

    /// Hash N-Degree Quads (§4.8): the hash and the issuer that produced it.
    fn hash_n_degree(
        &mut self,
        identifier: usize,
        mut issuer: IdentifierIssuer,
    ) -> Result<(String, IdentifierIssuer), Error> {
        self.spend()?;
        // > 1. Create a new map Hn for relating hashes to related blank nodes.
        let mut hn: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        // > 3. For each quad in quads: for each component in quad, where component is
        // > the subject, object, or graph name, and it is a blank node that is not
        // > identified by identifier:
        for &index in &self.node_quads[identifier] {
            let quad = &self.quads[index];
            let positioned = [
                ('s', Some(&quad.subject)),
                ('o', Some(&quad.object)),
                ('g', quad.graph.as_ref()),
            ];
            for (position, term) in positioned {
                if let Some(Term::Blank(label)) = term {
                    let related = self.numbers[label.as_str()];
                    if related != identifier {
                        let hash = self.hash_related(related, quad, &issuer, position);
                        hn.entry(hash).or_default().push(related);
                    }
                }
            }
        }
        // > 4. Create an empty string, data to hash.
        let mut data_to_hash = String::new();
        // > 5. For each related hash to blank node list mapping in Hn, code point ordered
        // > by related hash:
        for (related_hash, nodes) in hn {
            // > 5.1 Append the related hash to the data to hash.
            data_to_hash.push_str(&related_hash);
            // > 5.2 Create a string chosen path. 5.3 Create an unset chosen issuer variable.
            let mut chosen_path = String::new();
            let mut chosen_issuer: Option<IdentifierIssuer> = None;
            // > 5.4 For each permutation p of blank node list:
            let mut permutation = nodes;
            permutation.sort_unstable();
            loop {
                self.spend()?;
                self.try_permutation(&permutation, &issuer, &mut chosen_path, &mut chosen_issuer)?;
                if !next_permutation(&mut permutation) {
                    break;
                }
            }
            // > 5.5 Append chosen path to data to hash. 5.6 Replace issuer, by reference,
            // > with chosen issuer.
            data_to_hash.push_str(&chosen_path);
            if let Some(chosen) = chosen_issuer {
                issuer = chosen;
            }
        }
        // > 6. Return issuer and the hash that results from passing data to hash
        // > through the hash algorithm.
        Ok((self.hash.hex(data_to_hash.as_bytes()), issuer))
    }

    /// One permutation of step 5.4 of Hash N-Degree Quads.
    fn try_permutation(
        &mut self,
        permutation: &[usize],
        issuer: &IdentifierIssuer,
        chosen_path: &mut String,
        chosen_issuer: &mut Option<IdentifierIssuer>,
    ) -> Result<(), Error> {
        // > 5.4.1 Create a copy of issuer, issuer copy. 5.4.2 Create a string path.
        // > 5.4.3 Create a recursion list, to store blank node identifiers that must be
        // > recursively processed by this algorithm.
        let mut issuer_copy = issuer.clone();
        let mut path = String::new();
        let mut recursion_list = Vec::new();
        let worse = |path: &str, chosen: &str| {
            !chosen.is_empty() && path.len() >= chosen.len() && path > chosen
        };
        // > 5.4.4 For each related in p:
        for &related in permutation {
            if let Some(id) = self.canonical.get(related) {
                // > 5.4.4.1 If a canonical identifier has been issued for related by
                // > canonical issuer, append the string _:, followed by the canonical
                // > identifier for related, to path.
                path.push_str("_:");
                path.push_str(id);
            } else {
                // > 5.4.4.2.1 If issuer copy has not issued an identifier for related,
                // > append related to recursion list. 5.4.4.2.2 Use the Issue Identifier
                // > algorithm, passing issuer copy and the related, and append the string
                // > _:, followed by the result, to path.
                if issuer_copy.get(related).is_none() {
                    recursion_list.push(related);
                }
                path.push_str("_:");
                path.push_str(issuer_copy.issue(related));
            }
            // > 5.4.4.3 If chosen path is not empty and the length of path is greater than
            // > or equal to the length of chosen path and path is greater than chosen
            // > path when considering code point order, then skip to the next permutation
            if worse(&path, chosen_path) {
                return Ok(());
            }
        }
        // > 5.4.5 For each related in recursion list:
        for related in recursion_list {
            // > 5.4.5.1 Set result to the result of recursively executing the Hash
            // > N-Degree Quads algorithm, passing the canonicalization state, related
            // > for identifier, and issuer copy for path identifier issuer.
            let (hash, result_issuer) = self.hash_n_degree(related, issuer_copy.clone())?;
            // > 5.4.5.2 Use the Issue Identifier algorithm, passing issuer copy and
            // > related; append the string _:, followed by the result, to path.
            path.push_str("_:");
            path.push_str(issuer_copy.issue(related));
            // > 5.4.5.3 Append <, the hash in result, and > to path.
            path.push('<');
            path.push_str(&hash);
            path.push('>');
            // > 5.4.5.4 Set issuer copy to the identifier issuer in result.
            issuer_copy = result_issuer;
            // > 5.4.5.5 If chosen path is not empty and [...] skip to the next permutation.
            if worse(&path, chosen_path) {
                return Ok(());
            }
        }
        // > 5.4.6 If chosen path is empty or path is less than chosen path when
        // > considering code point order, set chosen path to path and chosen issuer to
        // > issuer copy.
        if chosen_path.is_empty() || path < *chosen_path {
            *chosen_path = path;
            *chosen_issuer = Some(issuer_copy);
        }
        Ok(())
    }
}

/// The next permutation of `items` in lexicographic order; false after the last.
fn next_permutation(items: &mut [usize]) -> bool {
    let Some(pivot) = items.windows(2).rposition(|pair| pair[0] < pair[1]) else {
        return false;
    };
    let Some(swap) = items.iter().rposition(|item| *item > items[pivot]) else {
        return false;
    };
    items.swap(pivot, swap);
    items[pivot + 1..].reverse();
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permutations_are_all_visited() {
        let mut items = vec![0, 1, 2, 3];
        let mut count = 1;
        while next_permutation(&mut items) {
            count += 1;
        }
        assert_eq!(count, 24);
        assert!(!next_permutation(&mut []));
    }
}
