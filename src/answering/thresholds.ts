// The named thresholds of the answering decision, in one place. Each was
// chosen on knowledge/eval (the team's set) and knowledge/eval/real/tune.yaml
// (real public questions); see README「评测」.

/** Minimum confidence (share of an item's best key found in the question) for answering about an item. */
export const MIN_CONFIDENCE = 0.5;
/**
 * Below this confidence an item card does not answer "which licences do I need" (「做槟榔生意要办么子证」,
 * 「开个洗车店要办什么」): the near items are offered instead. No question of the tuning half or the team's
 * set is affected; it guards the guesses a tester found.
 */
export const WHICH_NEEDS_NAMED = 0.8;
/** An item named this completely wins over town facts, help and scope checks. */
export const NAMED_OUTRIGHT = 0.99;
/** Candidates taken from each retriever and kept after fusion. */
export const CANDIDATES = 20;
/** A town fact matched by this many characters answers even with no town known. */
export const FACT_ANY_TOWN = 3;
/** A town fact this strong answers even when an item clears the gate, and is worth answering for another town. */
export const FACT_STRONG = 4;
/** Follow-up context (the previous topic) is forgotten after this long. */
export const TOPIC_TTL_MS = 30 * 60_000;
