"""Plausible mistakes and alternative correct solutions for lesson 03 (graded through the real autograder)."""

# Each WRONG entry: (name, function, why, source). `source` replaces the whole solution
# cell whose grade_id is `function`; the autograder must take points off the test
# cells of that function (test_<function>*).
WRONG = [
    # ------------------------------------------------------------------ softmax
    ("softmax_without_max_shift", "softmax", "overflows to nan for logits near 1e4", '''
def softmax(x, axis=-1):
    e = np.exp(x)
    return e / e.sum(axis=axis, keepdims=True)
'''),
    ("softmax_ignores_axis", "softmax", "always normalises over the last axis, whatever `axis` says", '''
def softmax(x, axis=-1):
    e = np.exp(x - np.max(x, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)
'''),
    ("softmax_normalises_whole_array", "softmax", "divides by the sum over all entries, not per slice", '''
def softmax(x, axis=-1):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e)
'''),
    ("softmax_global_max_shift", "softmax", "subtracts the maximum of the whole array: rows far below it underflow to 0/0", '''
def softmax(x, axis=-1):
    e = np.exp(x - np.max(x))
    return e / np.sum(e, axis=axis, keepdims=True)
'''),
    ("softmax_max_without_keepdims", "softmax", "the max loses its axis and broadcasts against the wrong one", '''
def softmax(x, axis=-1):
    e = np.exp(x - np.max(x, axis=axis))
    return e / np.sum(e, axis=axis, keepdims=True)
'''),
    ("softmax_in_place", "softmax", "modifies the caller's array with -=", '''
def softmax(x, axis=-1):
    x -= np.max(x, axis=axis, keepdims=True)
    np.exp(x, out=x)
    x /= np.sum(x, axis=axis, keepdims=True)
    return x
'''),
    # ------------------------------------------------------------------ softmax_jacobian
    ("jacobian_scalar_ptp", "softmax_jacobian", "p.T @ p of a 1-D array is the scalar p·p, not the outer product", '''
def softmax_jacobian(p):
    return np.diag(p) - p.T @ p
'''),
    ("jacobian_sign_flipped", "softmax_jacobian", "p pᵀ − diag(p): the negative of the Jacobian", '''
def softmax_jacobian(p):
    return np.outer(p, p) - np.diag(p)
'''),
    ("jacobian_missing_outer_product", "softmax_jacobian", "only diag(p): rows do not sum to 0", '''
def softmax_jacobian(p):
    return np.diag(p)
'''),
    ("jacobian_identity_instead_of_diag", "softmax_jacobian", "I − p pᵀ: δ_ij taken without the factor p_i", '''
def softmax_jacobian(p):
    return np.eye(len(p)) - np.outer(p, p)
'''),
    ("jacobian_diagonal_only", "softmax_jacobian", "diag(p (1 − p)): the elementwise derivative, no off-diagonal terms", '''
def softmax_jacobian(p):
    return np.diag(p * (1 - p))
'''),
    ("jacobian_applies_softmax_again", "softmax_jacobian", "treats p as logits and takes softmax(p) first", '''
def softmax_jacobian(p):
    s = softmax(p)
    return np.diag(s) - np.outer(s, s)
'''),
    # ------------------------------------------------------------------ entropy
    ("entropy_log2", "entropy", "bits instead of nats: uniform gives log2 n", '''
def entropy(p, axis=-1):
    safe = np.where(p > 0, p, 1.0)
    return -np.sum(p * np.log2(safe), axis=axis)
'''),
    ("entropy_without_zero_guard", "entropy", "0 * log 0 = 0 * -inf = nan for one-hot slices", '''
def entropy(p, axis=-1):
    return -np.sum(p * np.log(p), axis=axis)
'''),
    ("entropy_sign_wrong", "entropy", "sum p log p without the minus sign is negative", '''
def entropy(p, axis=-1):
    safe = np.where(p > 0, p, 1.0)
    return np.sum(p * np.log(safe), axis=axis)
'''),
    ("entropy_wrong_axis", "entropy", "always sums over the last axis", '''
def entropy(p, axis=-1):
    safe = np.where(p > 0, p, 1.0)
    return -np.sum(p * np.log(safe), axis=-1)
'''),
    ("entropy_log_of_p_plus_eps", "entropy", "log(p + eps): a one-hot slice gives -log(1 + eps) != 0", '''
def entropy(p, axis=-1):
    return -np.sum(p * np.log(p + 1e-12), axis=axis)
'''),
    ("entropy_where_still_evaluates_log0", "entropy", "np.where computes p*log(p) everywhere: divide-by-zero warning", '''
def entropy(p, axis=-1):
    return -np.sum(np.where(p > 0, p * np.log(p), 0.0), axis=axis)
'''),
    ("entropy_mean_not_sum", "entropy", "averages p log p instead of summing: uniform gives log(n)/n", '''
def entropy(p, axis=-1):
    safe = np.where(p > 0, p, 1.0)
    return -np.mean(p * np.log(safe), axis=axis)
'''),
    # ------------------------------------------------------------------ saturation_stats
    ("stats_divides_by_d_k", "saturation_stats", "scales by 1/d_k: logits of variance 1/d_k, weights nearly uniform", '''
def saturation_stats(d_k, n_keys, n_trials, rng, scaled=True):
    q = rng.standard_normal((n_trials, d_k))
    keys = rng.standard_normal((n_trials, n_keys, d_k))
    logits = np.einsum("td,tjd->tj", q, keys)
    if scaled:
        logits = logits / d_k
    p = softmax(logits, axis=-1)
    grad_norms = [np.linalg.norm(softmax_jacobian(row)) for row in p]
    return {"max_weight": float(np.mean(p.max(axis=-1))), "entropy": float(np.mean(entropy(p, axis=-1))),
            "grad_norm": float(np.mean(grad_norms))}
'''),
    ("stats_unscaled_divides_by_d_k", "saturation_stats", "divides by d_k when scaled=False (and by sqrt(d_k) when scaled)", '''
def saturation_stats(d_k, n_keys, n_trials, rng, scaled=True):
    q = rng.standard_normal((n_trials, d_k))
    keys = rng.standard_normal((n_trials, n_keys, d_k))
    logits = np.einsum("td,tjd->tj", q, keys)
    logits = logits / (np.sqrt(d_k) if scaled else d_k)
    p = softmax(logits, axis=-1)
    grad_norms = [np.linalg.norm(softmax_jacobian(row)) for row in p]
    return {"max_weight": float(np.mean(p.max(axis=-1))), "entropy": float(np.mean(entropy(p, axis=-1))),
            "grad_norm": float(np.mean(grad_norms))}
'''),
    ("stats_never_scales", "saturation_stats", "ignores scaled=True: saturated for large d_k", '''
def saturation_stats(d_k, n_keys, n_trials, rng, scaled=True):
    q = rng.standard_normal((n_trials, d_k))
    keys = rng.standard_normal((n_trials, n_keys, d_k))
    logits = np.einsum("td,tjd->tj", q, keys)
    p = softmax(logits, axis=-1)
    grad_norms = [np.linalg.norm(softmax_jacobian(row)) for row in p]
    return {"max_weight": float(np.mean(p.max(axis=-1))), "entropy": float(np.mean(entropy(p, axis=-1))),
            "grad_norm": float(np.mean(grad_norms))}
'''),
    ("stats_always_scales", "saturation_stats", "scales even when scaled=False: no saturation to see", '''
def saturation_stats(d_k, n_keys, n_trials, rng, scaled=True):
    q = rng.standard_normal((n_trials, d_k))
    keys = rng.standard_normal((n_trials, n_keys, d_k))
    logits = np.einsum("td,tjd->tj", q, keys) / np.sqrt(d_k)
    p = softmax(logits, axis=-1)
    grad_norms = [np.linalg.norm(softmax_jacobian(row)) for row in p]
    return {"max_weight": float(np.mean(p.max(axis=-1))), "entropy": float(np.mean(entropy(p, axis=-1))),
            "grad_norm": float(np.mean(grad_norms))}
'''),
    ("stats_scales_by_sqrt_n_keys", "saturation_stats", "divides by sqrt(n_keys) instead of sqrt(d_k)", '''
def saturation_stats(d_k, n_keys, n_trials, rng, scaled=True):
    q = rng.standard_normal((n_trials, d_k))
    keys = rng.standard_normal((n_trials, n_keys, d_k))
    logits = np.einsum("td,tjd->tj", q, keys)
    if scaled:
        logits = logits / np.sqrt(n_keys)
    p = softmax(logits, axis=-1)
    grad_norms = [np.linalg.norm(softmax_jacobian(row)) for row in p]
    return {"max_weight": float(np.mean(p.max(axis=-1))), "entropy": float(np.mean(entropy(p, axis=-1))),
            "grad_norm": float(np.mean(grad_norms))}
'''),
    ("stats_global_np_random", "saturation_stats", "draws from the global np.random: the same seed does not give the same result", '''
def saturation_stats(d_k, n_keys, n_trials, rng, scaled=True):
    q = np.random.standard_normal((n_trials, d_k))
    keys = np.random.standard_normal((n_trials, n_keys, d_k))
    logits = np.einsum("td,tjd->tj", q, keys)
    if scaled:
        logits = logits / np.sqrt(d_k)
    p = softmax(logits, axis=-1)
    grad_norms = [np.linalg.norm(softmax_jacobian(row)) for row in p]
    return {"max_weight": float(np.mean(p.max(axis=-1))), "entropy": float(np.mean(entropy(p, axis=-1))),
            "grad_norm": float(np.mean(grad_norms))}
'''),
    ("stats_reseeds_global_random", "saturation_stats", "seeds np.random itself: deterministic, but every seed gives the same result", '''
def saturation_stats(d_k, n_keys, n_trials, rng, scaled=True):
    np.random.seed(0)
    q = np.random.standard_normal((n_trials, d_k))
    keys = np.random.standard_normal((n_trials, n_keys, d_k))
    logits = np.einsum("td,tjd->tj", q, keys)
    if scaled:
        logits = logits / np.sqrt(d_k)
    p = softmax(logits, axis=-1)
    grad_norms = [np.linalg.norm(softmax_jacobian(row)) for row in p]
    return {"max_weight": float(np.mean(p.max(axis=-1))), "entropy": float(np.mean(entropy(p, axis=-1))),
            "grad_norm": float(np.mean(grad_norms))}
'''),
    ("stats_reports_max_logit", "saturation_stats", "reports the largest logit instead of the largest weight", '''
def saturation_stats(d_k, n_keys, n_trials, rng, scaled=True):
    q = rng.standard_normal((n_trials, d_k))
    keys = rng.standard_normal((n_trials, n_keys, d_k))
    logits = np.einsum("td,tjd->tj", q, keys)
    if scaled:
        logits = logits / np.sqrt(d_k)
    p = softmax(logits, axis=-1)
    grad_norms = [np.linalg.norm(softmax_jacobian(row)) for row in p]
    return {"max_weight": float(np.mean(logits.max(axis=-1))), "entropy": float(np.mean(entropy(p, axis=-1))),
            "grad_norm": float(np.mean(grad_norms))}
'''),
    ("stats_spectral_norm", "saturation_stats", "grad_norm as the spectral norm (ord=2) of the Jacobian, not the Frobenius norm", '''
def saturation_stats(d_k, n_keys, n_trials, rng, scaled=True):
    q = rng.standard_normal((n_trials, d_k))
    keys = rng.standard_normal((n_trials, n_keys, d_k))
    logits = np.einsum("td,tjd->tj", q, keys)
    if scaled:
        logits = logits / np.sqrt(d_k)
    p = softmax(logits, axis=-1)
    grad_norms = [np.linalg.norm(softmax_jacobian(row), 2) for row in p]
    return {"max_weight": float(np.mean(p.max(axis=-1))), "entropy": float(np.mean(entropy(p, axis=-1))),
            "grad_norm": float(np.mean(grad_norms))}
'''),
    ("stats_grad_norm_of_diag_only", "saturation_stats", "grad_norm as the spectral norm of diag(p), i.e. the max weight again", '''
def saturation_stats(d_k, n_keys, n_trials, rng, scaled=True):
    q = rng.standard_normal((n_trials, d_k))
    keys = rng.standard_normal((n_trials, n_keys, d_k))
    logits = np.einsum("td,tjd->tj", q, keys)
    if scaled:
        logits = logits / np.sqrt(d_k)
    p = softmax(logits, axis=-1)
    grad_norms = [np.linalg.norm(np.diag(row), 2) for row in p]
    return {"max_weight": float(np.mean(p.max(axis=-1))), "entropy": float(np.mean(entropy(p, axis=-1))),
            "grad_norm": float(np.mean(grad_norms))}
'''),
    ("stats_softmax_over_trials", "saturation_stats", "softmax over the trial axis instead of the key axis", '''
def saturation_stats(d_k, n_keys, n_trials, rng, scaled=True):
    q = rng.standard_normal((n_trials, d_k))
    keys = rng.standard_normal((n_trials, n_keys, d_k))
    logits = np.einsum("td,tjd->tj", q, keys)
    if scaled:
        logits = logits / np.sqrt(d_k)
    p = softmax(logits, axis=0).T
    grad_norms = [np.linalg.norm(softmax_jacobian(row)) for row in p]
    return {"max_weight": float(np.mean(p.max(axis=-1))), "entropy": float(np.mean(entropy(p, axis=-1))),
            "grad_norm": float(np.mean(grad_norms))}
'''),
    ("stats_keys_shared_by_all_trials", "saturation_stats",
     "draws one set of keys for all trials (a fresh query per trial): the trials are dependent", '''
def saturation_stats(d_k, n_keys, n_trials, rng, scaled=True):
    q = rng.standard_normal((n_trials, d_k))
    keys = rng.standard_normal((n_keys, d_k))
    logits = q @ keys.T
    if scaled:
        logits = logits / np.sqrt(d_k)
    p = softmax(logits, axis=-1)
    grad_norms = [np.linalg.norm(softmax_jacobian(row)) for row in p]
    return {"max_weight": float(np.mean(p.max(axis=-1))), "entropy": float(np.mean(entropy(p, axis=-1))),
            "grad_norm": float(np.mean(grad_norms))}
'''),
    ("stats_query_shared_by_all_trials", "saturation_stats",
     "draws one query for all trials (fresh keys per trial): the trials are dependent", '''
def saturation_stats(d_k, n_keys, n_trials, rng, scaled=True):
    q = rng.standard_normal(d_k)
    keys = rng.standard_normal((n_trials, n_keys, d_k))
    logits = keys @ q
    if scaled:
        logits = logits / np.sqrt(d_k)
    p = softmax(logits, axis=-1)
    grad_norms = [np.linalg.norm(softmax_jacobian(row)) for row in p]
    return {"max_weight": float(np.mean(p.max(axis=-1))), "entropy": float(np.mean(entropy(p, axis=-1))),
            "grad_norm": float(np.mean(grad_norms))}
'''),
    ("stats_max_over_all_trials", "saturation_stats",
     "p.max() without an axis: the largest weight over all trials, not the mean of each trial's largest", '''
def saturation_stats(d_k, n_keys, n_trials, rng, scaled=True):
    q = rng.standard_normal((n_trials, d_k))
    keys = rng.standard_normal((n_trials, n_keys, d_k))
    logits = np.einsum("td,tjd->tj", q, keys)
    if scaled:
        logits = logits / np.sqrt(d_k)
    p = softmax(logits, axis=-1)
    grad_norms = [np.linalg.norm(softmax_jacobian(row)) for row in p]
    return {"max_weight": float(p.max()), "entropy": float(np.mean(entropy(p, axis=-1))),
            "grad_norm": float(np.mean(grad_norms))}
'''),
    ("stats_inline_jacobian_diag_p_squared", "saturation_stats",
     "an inline Jacobian diag(p) - diag(p**2): p p^T taken elementwise, the off-diagonal -p_i p_j missing", '''
def saturation_stats(d_k, n_keys, n_trials, rng, scaled=True):
    q = rng.standard_normal((n_trials, d_k))
    keys = rng.standard_normal((n_trials, n_keys, d_k))
    logits = np.einsum("td,tjd->tj", q, keys)
    if scaled:
        logits = logits / np.sqrt(d_k)
    p = softmax(logits, axis=-1)
    grad_norms = [np.linalg.norm(np.diag(row) - np.diag(row ** 2)) for row in p]
    return {"max_weight": float(np.mean(p.max(axis=-1))), "entropy": float(np.mean(entropy(p, axis=-1))),
            "grad_norm": float(np.mean(grad_norms))}
'''),
]

# Each RIGHT entry: (name, function, source): a correct implementation written
# differently from the solution; it must get full marks.
RIGHT = [
    # ------------------------------------------------------------------ softmax
    ("softmax_via_logsumexp", "softmax", '''
def softmax(x, axis=-1):
    m = np.max(x, axis=axis, keepdims=True)
    lse = m + np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True))
    return np.exp(x - lse)
'''),
    ("softmax_moveaxis_loop", "softmax", '''
def softmax(x, axis=-1):
    moved = np.moveaxis(np.array(x, dtype=np.result_type(x, np.float32)), axis, -1)
    out = np.empty_like(moved)
    for idx in np.ndindex(*moved.shape[:-1]):
        row = moved[idx]
        e = np.exp(row - row.max())
        out[idx] = e / e.sum()
    return np.moveaxis(out, -1, axis)
'''),
    ("softmax_apply_along_axis", "softmax", '''
def softmax(x, axis=-1):
    def _one(v):
        e = np.exp(v - v.max())
        return e / e.sum()
    return np.apply_along_axis(_one, axis, x)
'''),
    # ------------------------------------------------------------------ softmax_jacobian
    ("jacobian_loops", "softmax_jacobian", '''
def softmax_jacobian(p):
    n = len(p)
    J = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            J[i, j] = p[i] * ((1.0 if i == j else 0.0) - p[j])
    return J
'''),
    ("jacobian_einsum", "softmax_jacobian", '''
def softmax_jacobian(p):
    n = p.shape[0]
    return np.einsum("i,ij->ij", p, np.eye(n)) - np.einsum("i,j->ij", p, p)
'''),
    ("jacobian_broadcasting", "softmax_jacobian", '''
def softmax_jacobian(p):
    return p[:, None] * (np.eye(p.size) - p[None, :])
'''),
    # ------------------------------------------------------------------ entropy
    ("entropy_where_without_log0", "entropy", '''
def entropy(p, axis=-1):
    p = np.asarray(p)
    positive = p > 0
    terms = np.where(positive, -p * np.log(np.where(positive, p, 1.0)), 0.0)
    return np.sum(terms, axis=axis)
'''),
    ("entropy_log_with_out_where", "entropy", '''
def entropy(p, axis=-1):
    p = np.asarray(p, dtype=np.result_type(p, np.float32))
    log_p = np.log(p, out=np.zeros_like(p), where=p > 0)
    return -(p * log_p).sum(axis=axis)
'''),
    ("entropy_loops", "entropy", '''
def entropy(p, axis=-1):
    moved = np.moveaxis(np.asarray(p, dtype=np.float64), axis, -1)
    out = np.zeros(moved.shape[:-1])
    for idx in np.ndindex(*moved.shape[:-1]):
        out[idx] = -sum(v * np.log(v) for v in moved[idx] if v > 0)
    return out if out.ndim else float(out)
'''),
    # ------------------------------------------------------------------ saturation_stats
    ("stats_loop_per_trial", "saturation_stats", '''
def saturation_stats(d_k, n_keys, n_trials, rng, scaled=True):
    max_w, ent, grad = [], [], []
    for _ in range(n_trials):
        q = rng.standard_normal(d_k)
        keys = rng.standard_normal((n_keys, d_k))
        logits = keys @ q
        if scaled:
            logits = logits / d_k ** 0.5
        p = softmax(logits)
        max_w.append(p.max())
        ent.append(entropy(p))
        grad.append(np.linalg.norm(softmax_jacobian(p), "fro"))
    return {"max_weight": float(np.mean(max_w)), "entropy": float(np.mean(ent)),
            "grad_norm": float(np.mean(grad))}
'''),
    ("stats_batched_jacobian_keys_first", "saturation_stats", '''
def saturation_stats(d_k, n_keys, n_trials, rng, scaled=True):
    keys = rng.normal(size=(n_trials, n_keys, d_k))
    q = rng.normal(size=(n_trials, d_k, 1))
    logits = (keys @ q)[..., 0]
    if scaled:
        logits *= 1.0 / np.sqrt(d_k)
    p = softmax(logits)
    jac = p[:, :, None] * np.eye(n_keys) - p[:, :, None] * p[:, None, :]
    return {
        "max_weight": float(p.max(axis=1).mean()),
        "entropy": float(entropy(p).mean()),
        "grad_norm": float(np.sqrt((jac ** 2).sum(axis=(1, 2))).mean()),
    }
'''),
    ("stats_closed_form_norm", "saturation_stats", '''
def saturation_stats(d_k, n_keys, n_trials, rng, scaled=True):
    q = rng.standard_normal((n_trials, 1, d_k))
    keys = rng.standard_normal((n_trials, n_keys, d_k))
    logits = np.sum(q * keys, axis=-1) / (np.sqrt(d_k) if scaled else 1.0)
    p = softmax(logits, axis=1)
    s2 = np.sum(p ** 2, axis=1)
    s3 = np.sum(p ** 3, axis=1)
    grad = np.sqrt(np.clip(s2 - 2 * s3 + s2 ** 2, 0.0, None))
    return {"max_weight": float(np.mean(np.max(p, axis=1))),
            "entropy": float(np.mean(entropy(p, axis=1))),
            "grad_norm": float(np.mean(grad))}
'''),
    ("stats_spawned_child_generator", "saturation_stats", '''
def saturation_stats(d_k, n_keys, n_trials, rng, scaled=True):
    (gen,) = rng.spawn(1)
    out = {"max_weight": 0.0, "entropy": 0.0, "grad_norm": 0.0}
    for _ in range(n_trials):
        q = gen.standard_normal(d_k)
        keys = gen.standard_normal((n_keys, d_k))
        z = keys @ q / (np.sqrt(d_k) if scaled else 1.0)
        p = softmax(z)
        out["max_weight"] += float(np.max(p)) / n_trials
        out["entropy"] += float(entropy(p)) / n_trials
        out["grad_norm"] += float(np.linalg.norm(softmax_jacobian(p))) / n_trials
    return out
'''),
]
