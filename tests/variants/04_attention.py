"""Plausible mistakes and alternative correct solutions for lesson 04 (graded through the real autograder)."""

# Each WRONG entry: (name, function, why, source). `source` replaces the whole solution
# cell whose grade_id is `function`; the autograder must take points off the test
# cells of that function (test_<function>*).
WRONG = [
    # --- scaled_dot_product_attention -------------------------------------------------------
    ("sdpa_scaled_by_d_k", "scaled_dot_product_attention",
     "divides the scores by d_k instead of sqrt(d_k)", '''
def scaled_dot_product_attention(Q, K, V, mask=None):
    d_k = Q.shape[-1]
    scores = Q @ np.swapaxes(K, -1, -2) / d_k
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    m = np.max(scores, axis=-1, keepdims=True)
    e = np.exp(scores - np.where(np.isfinite(m), m, 0.0))
    s = e.sum(axis=-1, keepdims=True)
    weights = e / np.where(s > 0, s, 1.0)
    return weights @ V, weights
'''),
    ("sdpa_not_scaled", "scaled_dot_product_attention",
     "forgets the 1/sqrt(d_k) (plain dot-product attention of lesson 01)", '''
def scaled_dot_product_attention(Q, K, V, mask=None):
    scores = Q @ np.swapaxes(K, -1, -2)
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    m = np.max(scores, axis=-1, keepdims=True)
    e = np.exp(scores - np.where(np.isfinite(m), m, 0.0))
    s = e.sum(axis=-1, keepdims=True)
    weights = e / np.where(s > 0, s, 1.0)
    return weights @ V, weights
'''),
    ("sdpa_scaled_by_sqrt_d_v", "scaled_dot_product_attention",
     "takes d_k from V's last dimension", '''
def scaled_dot_product_attention(Q, K, V, mask=None):
    scores = Q @ np.swapaxes(K, -1, -2) / np.sqrt(V.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    m = np.max(scores, axis=-1, keepdims=True)
    e = np.exp(scores - np.where(np.isfinite(m), m, 0.0))
    s = e.sum(axis=-1, keepdims=True)
    weights = e / np.where(s > 0, s, 1.0)
    return weights @ V, weights
'''),
    ("sdpa_softmax_over_queries", "scaled_dot_product_attention",
     "softmax over axis -2 (the queries) instead of the keys", '''
def scaled_dot_product_attention(Q, K, V, mask=None):
    scores = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    m = np.max(scores, axis=-2, keepdims=True)
    e = np.exp(scores - np.where(np.isfinite(m), m, 0.0))
    s = e.sum(axis=-2, keepdims=True)
    weights = e / np.where(s > 0, s, 1.0)
    return weights @ V, weights
'''),
    ("sdpa_inverted_mask", "scaled_dot_product_attention",
     "treats True as 'blocked' (the torch.nn.MultiheadAttention convention)", '''
def scaled_dot_product_attention(Q, K, V, mask=None):
    scores = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
    if mask is not None:
        scores = np.where(mask, -np.inf, scores)
    m = np.max(scores, axis=-1, keepdims=True)
    e = np.exp(scores - np.where(np.isfinite(m), m, 0.0))
    s = e.sum(axis=-1, keepdims=True)
    weights = e / np.where(s > 0, s, 1.0)
    return weights @ V, weights
'''),
    ("sdpa_mask_after_softmax", "scaled_dot_product_attention",
     "zeroes masked weights after the softmax: rows no longer sum to 1, future leaks into the normaliser", '''
def scaled_dot_product_attention(Q, K, V, mask=None):
    scores = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights = e / e.sum(axis=-1, keepdims=True)
    if mask is not None:
        weights = weights * mask
    return weights @ V, weights
'''),
    ("sdpa_naive_minus_inf", "scaled_dot_product_attention",
     "-inf fill with the plain stable softmax: a fully masked row is NaN with a RuntimeWarning", '''
def scaled_dot_product_attention(Q, K, V, mask=None):
    scores = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights = e / e.sum(axis=-1, keepdims=True)
    return weights @ V, weights
'''),
    ("sdpa_fill_minus_1e9", "scaled_dot_product_attention",
     "fills masked scores with -1e9: a fully masked row becomes uniform instead of zeros", '''
def scaled_dot_product_attention(Q, K, V, mask=None):
    scores = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -1e9)
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights = e / e.sum(axis=-1, keepdims=True)
    return weights @ V, weights
'''),
    ("sdpa_multiply_scores_by_mask", "scaled_dot_product_attention",
     "multiplies the scores by the mask: masked scores become 0, not -inf", '''
def scaled_dot_product_attention(Q, K, V, mask=None):
    scores = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
    if mask is not None:
        scores = scores * mask
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights = e / e.sum(axis=-1, keepdims=True)
    return weights @ V, weights
'''),
    ("sdpa_without_max_shift", "scaled_dot_product_attention",
     "softmax without subtracting the maximum: overflows for logits of order 1e4", '''
def scaled_dot_product_attention(Q, K, V, mask=None):
    scores = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
    e = np.exp(scores)
    if mask is not None:
        e = np.where(mask, e, 0.0)
    s = e.sum(axis=-1, keepdims=True)
    weights = e / np.where(s > 0, s, 1.0)
    return weights @ V, weights
'''),
    ("sdpa_full_transpose", "scaled_dot_product_attention",
     "uses K.T, which reverses every axis: wrong for batched inputs", '''
def scaled_dot_product_attention(Q, K, V, mask=None):
    scores = Q @ K.T / np.sqrt(Q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    m = np.max(scores, axis=-1, keepdims=True)
    e = np.exp(scores - np.where(np.isfinite(m), m, 0.0))
    s = e.sum(axis=-1, keepdims=True)
    weights = e / np.where(s > 0, s, 1.0)
    return weights @ V, weights
'''),
    ("sdpa_modifies_q_in_place", "scaled_dot_product_attention",
     "scales Q in place with /=, changing the caller's array", '''
def scaled_dot_product_attention(Q, K, V, mask=None):
    Q /= np.sqrt(Q.shape[-1])
    scores = Q @ np.swapaxes(K, -1, -2)
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    m = np.max(scores, axis=-1, keepdims=True)
    e = np.exp(scores - np.where(np.isfinite(m), m, 0.0))
    s = e.sum(axis=-1, keepdims=True)
    weights = e / np.where(s > 0, s, 1.0)
    return weights @ V, weights
'''),
    ("sdpa_boolean_index_fill", "scaled_dot_product_attention",
     "scores[~mask] = -inf: boolean indexing needs a mask of the scores' full shape, a broadcastable mask fails", '''
def scaled_dot_product_attention(Q, K, V, mask=None):
    scores = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
    if mask is not None:
        scores[~mask] = -np.inf
    m = np.max(scores, axis=-1, keepdims=True)
    e = np.exp(scores - np.where(np.isfinite(m), m, 0.0))
    s = e.sum(axis=-1, keepdims=True)
    weights = e / np.where(s > 0, s, 1.0)
    return weights @ V, weights
'''),
    ("sdpa_softmax_then_mask_and_renormalise", "scaled_dot_product_attention",
     ("softmax over all keys, then mask and renormalise: right in exact arithmetic, but the allowed keys' "
      "exps underflow when a masked key has a much larger score (logits of order 1e4)"), '''
def scaled_dot_product_attention(Q, K, V, mask=None):
    scores = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights = e / e.sum(axis=-1, keepdims=True)
    if mask is not None:
        weights = np.where(mask, weights, 0.0)
        total = weights.sum(axis=-1, keepdims=True)
        weights = weights / np.where(total > 0, total, 1.0)
    return weights @ V, weights
'''),
    # --- causal_mask --------------------------------------------------------------------------
    ("causal_mask_triu", "causal_mask", "np.triu: True where j >= i (looks ahead instead of back)", '''
def causal_mask(n):
    return np.triu(np.ones((n, n), dtype=bool))
'''),
    ("causal_mask_blocked_positions", "causal_mask",
     "marks the forbidden positions (np.triu(k=1)): inverted convention", '''
def causal_mask(n):
    return np.triu(np.ones((n, n), dtype=bool), k=1)
'''),
    ("causal_mask_strict", "causal_mask", "j < i: a token may not attend to itself", '''
def causal_mask(n):
    return np.tril(np.ones((n, n), dtype=bool), k=-1)
'''),
    ("causal_mask_float", "causal_mask", "returns a float 0/1 matrix instead of booleans", '''
def causal_mask(n):
    return np.tril(np.ones((n, n)))
'''),
    # --- padding_mask -------------------------------------------------------------------------
    ("padding_mask_less_equal", "padding_mask", "j <= lengths[s]: one padding key too many", '''
def padding_mask(lengths, n):
    lengths = np.asarray(lengths)
    return (np.arange(n) <= lengths[:, None])[:, None, :]
'''),
    ("padding_mask_shape_b_n", "padding_mask", "returns shape (b, n) instead of (b, 1, n)", '''
def padding_mask(lengths, n):
    return np.arange(n) < np.asarray(lengths)[:, None]
'''),
    ("padding_mask_query_axis", "padding_mask", "returns shape (b, n, 1): masks queries, not keys", '''
def padding_mask(lengths, n):
    return (np.arange(n) < np.asarray(lengths)[:, None])[:, :, None]
'''),
    ("padding_mask_inverted", "padding_mask", "True on the padding", '''
def padding_mask(lengths, n):
    return (np.arange(n) >= np.asarray(lengths)[:, None])[:, None, :]
'''),
    ("padding_mask_list_input", "padding_mask", "indexes `lengths` like an array: fails for a list", '''
def padding_mask(lengths, n):
    return (np.arange(n)[None, None, :] < lengths[:, None, None])
'''),
    # --- split_heads --------------------------------------------------------------------------
    ("split_heads_plain_reshape", "split_heads", "reshape to (..., h, n, d_head) without transpose", '''
def split_heads(X, num_heads):
    d_model = X.shape[-1]
    if d_model % num_heads:
        raise ValueError("d_model must be divisible by num_heads")
    n = X.shape[-2]
    return X.reshape(X.shape[:-2] + (num_heads, n, d_model // num_heads))
'''),
    ("split_heads_strided", "split_heads", "head h gets every num_heads-th feature", '''
def split_heads(X, num_heads):
    d_model = X.shape[-1]
    if d_model % num_heads:
        raise ValueError("d_model must be divisible by num_heads")
    Y = X.reshape(X.shape[:-1] + (d_model // num_heads, num_heads))
    return np.moveaxis(Y, -1, -3)
'''),
    ("split_heads_no_value_error", "split_heads",
     "slices d_model // num_heads features per head without checking: silently drops the rest", '''
def split_heads(X, num_heads):
    d_head = X.shape[-1] // num_heads
    return np.stack([X[..., h * d_head:(h + 1) * d_head] for h in range(num_heads)], axis=-3)
'''),
    ("split_heads_no_batch", "split_heads", "assumes a 2-D input (n, d_model)", '''
def split_heads(X, num_heads):
    n, d_model = X.shape[0], X.shape[-1]
    if d_model % num_heads:
        raise ValueError("d_model must be divisible by num_heads")
    return X.reshape(n, num_heads, d_model // num_heads).transpose(1, 0, 2)
'''),
    # --- merge_heads --------------------------------------------------------------------------
    ("merge_heads_plain_reshape", "merge_heads", "reshape to (..., n, h*d_head) without transpose", '''
def merge_heads(X):
    h, n, d_head = X.shape[-3:]
    return X.reshape(X.shape[:-3] + (n, h * d_head))
'''),
    ("merge_heads_no_batch", "merge_heads", "assumes a 3-D input (h, n, d_head)", '''
def merge_heads(X):
    h, n, d_head = X.shape[-3:]
    return X.transpose(1, 0, 2).reshape(n, h * d_head)
'''),
    ("merge_heads_reversed_heads", "merge_heads", "concatenates the heads in reverse order", '''
def merge_heads(X):
    return np.concatenate([X[..., h, :, :] for h in reversed(range(X.shape[-3]))], axis=-1)
'''),
    # --- multi_head_attention -----------------------------------------------------------------
    ("mha_forgets_w_o", "multi_head_attention", "returns the merged heads without the output projection", '''
def multi_head_attention(X, W_q, W_k, W_v, W_o, num_heads, mask=None):
    n = X.shape[-2]
    Q, K, V = (split_heads(X @ W, num_heads) for W in (W_q, W_k, W_v))
    if mask is not None:
        mask = np.broadcast_to(mask, np.broadcast_shapes(np.shape(mask), (n, n)))[..., None, :, :]
    heads, weights = scaled_dot_product_attention(Q, K, V, mask)
    return merge_heads(heads), weights
'''),
    ("mha_scaled_by_sqrt_d_model", "multi_head_attention", "scales every head by sqrt(d_model), not sqrt(d_head)", '''
def multi_head_attention(X, W_q, W_k, W_v, W_o, num_heads, mask=None):
    n, d_model = X.shape[-2:]
    Q, K, V = (split_heads(X @ W, num_heads) for W in (W_q, W_k, W_v))
    scores = Q @ np.swapaxes(K, -1, -2) / np.sqrt(d_model)
    if mask is not None:
        m = np.broadcast_to(mask, np.broadcast_shapes(np.shape(mask), (n, n)))[..., None, :, :]
        scores = np.where(m, scores, -np.inf)
    top = scores.max(axis=-1, keepdims=True)
    e = np.exp(scores - np.where(np.isfinite(top), top, 0.0))
    s = e.sum(axis=-1, keepdims=True)
    weights = e / np.where(s > 0, s, 1.0)
    return merge_heads(weights @ V) @ W_o, weights
'''),
    ("mha_scaled_by_d_head", "multi_head_attention", "scales by d_head instead of sqrt(d_head)", '''
def multi_head_attention(X, W_q, W_k, W_v, W_o, num_heads, mask=None):
    n, d_model = X.shape[-2:]
    Q, K, V = (split_heads(X @ W, num_heads) for W in (W_q, W_k, W_v))
    scores = Q @ np.swapaxes(K, -1, -2) / (d_model // num_heads)
    if mask is not None:
        m = np.broadcast_to(mask, np.broadcast_shapes(np.shape(mask), (n, n)))[..., None, :, :]
        scores = np.where(m, scores, -np.inf)
    top = scores.max(axis=-1, keepdims=True)
    e = np.exp(scores - np.where(np.isfinite(top), top, 0.0))
    s = e.sum(axis=-1, keepdims=True)
    weights = e / np.where(s > 0, s, 1.0)
    return merge_heads(weights @ V) @ W_o, weights
'''),
    ("mha_plain_reshape_split", "multi_head_attention", "splits heads with a plain reshape (no transpose)", '''
def multi_head_attention(X, W_q, W_k, W_v, W_o, num_heads, mask=None):
    n, d_model = X.shape[-2:]
    if d_model % num_heads:
        raise ValueError("d_model must be divisible by num_heads")
    shape = X.shape[:-2] + (num_heads, n, d_model // num_heads)
    Q, K, V = ((X @ W).reshape(shape) for W in (W_q, W_k, W_v))
    if mask is not None:
        mask = np.broadcast_to(mask, np.broadcast_shapes(np.shape(mask), (n, n)))[..., None, :, :]
    heads, weights = scaled_dot_product_attention(Q, K, V, mask)
    return merge_heads(heads) @ W_o, weights
'''),
    ("mha_plain_reshape_merge", "multi_head_attention", "merges heads with a plain reshape (no transpose)", '''
def multi_head_attention(X, W_q, W_k, W_v, W_o, num_heads, mask=None):
    n, d_model = X.shape[-2:]
    Q, K, V = (split_heads(X @ W, num_heads) for W in (W_q, W_k, W_v))
    if mask is not None:
        mask = np.broadcast_to(mask, np.broadcast_shapes(np.shape(mask), (n, n)))[..., None, :, :]
    heads, weights = scaled_dot_product_attention(Q, K, V, mask)
    return heads.reshape(X.shape[:-2] + (n, d_model)) @ W_o, weights
'''),
    ("mha_mask_without_head_axis", "multi_head_attention",
     "passes a (b, 1, n) mask straight to the heads: it lines up with the head axis", '''
def multi_head_attention(X, W_q, W_k, W_v, W_o, num_heads, mask=None):
    Q, K, V = (split_heads(X @ W, num_heads) for W in (W_q, W_k, W_v))
    heads, weights = scaled_dot_product_attention(Q, K, V, mask)
    return merge_heads(heads) @ W_o, weights
'''),
    ("mha_w_o_transposed", "multi_head_attention", "multiplies by W_o.T (the torch Linear convention)", '''
def multi_head_attention(X, W_q, W_k, W_v, W_o, num_heads, mask=None):
    n = X.shape[-2]
    Q, K, V = (split_heads(X @ W, num_heads) for W in (W_q, W_k, W_v))
    if mask is not None:
        mask = np.broadcast_to(mask, np.broadcast_shapes(np.shape(mask), (n, n)))[..., None, :, :]
    heads, weights = scaled_dot_product_attention(Q, K, V, mask)
    return merge_heads(heads) @ W_o.T, weights
'''),
    ("mha_ignores_mask", "multi_head_attention", "never passes the mask on", '''
def multi_head_attention(X, W_q, W_k, W_v, W_o, num_heads, mask=None):
    Q, K, V = (split_heads(X @ W, num_heads) for W in (W_q, W_k, W_v))
    heads, weights = scaled_dot_product_attention(Q, K, V)
    return merge_heads(heads) @ W_o, weights
'''),
]

# Each RIGHT entry: (name, function, source): a correct implementation written
# differently from the solution; it must get full marks.
RIGHT = [
    # --- scaled_dot_product_attention -------------------------------------------------------
    ("sdpa_einsum_masked_max", "scaled_dot_product_attention", '''
def scaled_dot_product_attention(Q, K, V, mask=None):
    scores = np.einsum("...qd,...kd->...qk", Q, K) / np.sqrt(Q.shape[-1])
    if mask is None:
        mask = np.ones(scores.shape[-2:], dtype=bool)
    mask = np.broadcast_to(mask, np.broadcast_shapes(np.shape(mask), scores.shape))
    scores = np.broadcast_to(scores, mask.shape)
    top = np.max(scores, axis=-1, keepdims=True, where=mask, initial=-np.inf)
    top = np.where(np.isfinite(top), top, 0.0)
    e = np.exp(scores - top, where=mask, out=np.zeros(mask.shape, dtype=np.result_type(scores, np.float32)))
    total = e.sum(axis=-1, keepdims=True)
    weights = np.divide(e, total, where=total > 0, out=np.zeros_like(e))
    return np.einsum("...qk,...kd->...qd", weights, V), weights
'''),
    ("sdpa_python_loops", "scaled_dot_product_attention", '''
def scaled_dot_product_attention(Q, K, V, mask=None):
    import math
    Q, K, V = np.asarray(Q), np.asarray(K), np.asarray(V)
    n_q, d_k = Q.shape[-2:]
    n_k, d_v = V.shape[-2:]
    m = np.ones((n_q, n_k), dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    batch = np.broadcast_shapes(Q.shape[:-2], K.shape[:-2], V.shape[:-2], m.shape[:-2])
    Qb, Kb = np.broadcast_to(Q, batch + (n_q, d_k)), np.broadcast_to(K, batch + (n_k, d_k))
    Vb, mb = np.broadcast_to(V, batch + (n_k, d_v)), np.broadcast_to(m, batch + (n_q, n_k))
    weights = np.zeros(batch + (n_q, n_k))
    output = np.zeros(batch + (n_q, d_v))
    for idx in np.ndindex(*batch):
        for i in range(n_q):
            keys = [j for j in range(n_k) if mb[idx + (i, j)]]
            if not keys:
                continue
            logits = [float(np.dot(Qb[idx + (i,)], Kb[idx + (j,)])) / math.sqrt(d_k) for j in keys]
            top = max(logits)
            e = [math.exp(x - top) for x in logits]
            total = sum(e)
            for j, ej in zip(keys, e):
                weights[idx + (i, j)] = ej / total
                output[idx + (i,)] += ej / total * Vb[idx + (j,)]
    return output, weights
'''),
    ("sdpa_errstate_nan_to_num", "scaled_dot_product_attention", '''
def scaled_dot_product_attention(Q, K, V, mask=None):
    scores = np.matmul(Q, np.moveaxis(K, -1, -2)) * (1.0 / np.sqrt(K.shape[-1]))
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    with np.errstate(invalid="ignore", divide="ignore"):
        e = np.exp(scores - scores.max(axis=-1, keepdims=True))
        weights = np.nan_to_num(e / e.sum(axis=-1, keepdims=True), nan=0.0)
    return weights @ V, weights
'''),
    ("sdpa_logsumexp", "scaled_dot_product_attention", '''
def scaled_dot_product_attention(Q, K, V, mask=None):
    scores = Q @ np.swapaxes(K, -1, -2) / Q.shape[-1] ** 0.5
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    any_key = np.isfinite(scores).any(axis=-1, keepdims=True)
    safe = np.where(any_key, scores, 0.0)
    top = safe.max(axis=-1, keepdims=True)
    lse = top + np.log(np.exp(safe - top).sum(axis=-1, keepdims=True))
    weights = np.where(any_key, np.exp(safe - lse), 0.0)
    return weights @ V, weights
'''),
    ("sdpa_boolean_index_broadcast", "scaled_dot_product_attention", '''
def scaled_dot_product_attention(Q, K, V, mask=None):
    scores = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
    if mask is not None:
        mask = np.broadcast_to(mask, np.broadcast_shapes(np.shape(mask), scores.shape))
        scores = np.array(np.broadcast_to(scores, mask.shape))
        scores[~mask] = -np.inf
    live = np.isfinite(scores).any(axis=-1, keepdims=True)
    top = np.max(np.where(live, scores, 0.0), axis=-1, keepdims=True)
    e = np.exp(np.where(live, scores, -np.inf) - top)
    total = e.sum(axis=-1, keepdims=True)
    weights = np.divide(e, total, out=np.zeros_like(e), where=total > 0)
    return weights @ V, weights
'''),
    # --- causal_mask --------------------------------------------------------------------------
    ("causal_mask_broadcast", "causal_mask", '''
def causal_mask(n):
    i = np.arange(n)
    return i[None, :] <= i[:, None]
'''),
    ("causal_mask_loops", "causal_mask", '''
def causal_mask(n):
    m = np.zeros((n, n), dtype=bool)
    for i in range(n):
        for j in range(i + 1):
            m[i, j] = True
    return m
'''),
    ("causal_mask_tri", "causal_mask", '''
def causal_mask(n):
    return np.tri(n, dtype=bool)
'''),
    ("causal_mask_not_triu", "causal_mask", '''
def causal_mask(n):
    return ~np.triu(np.ones((n, n), dtype=bool), k=1)
'''),
    # --- padding_mask -------------------------------------------------------------------------
    ("padding_mask_loops", "padding_mask", '''
def padding_mask(lengths, n):
    lengths = list(lengths)
    m = np.zeros((len(lengths), 1, n), dtype=bool)
    for s, length in enumerate(lengths):
        m[s, 0, :length] = True
    return m
'''),
    ("padding_mask_expand_dims", "padding_mask", '''
def padding_mask(lengths, n):
    lengths = np.array(lengths, dtype=np.int64)
    return np.expand_dims(np.arange(n)[None, :] < lengths[:, None], axis=1)
'''),
    ("padding_mask_stack", "padding_mask", '''
def padding_mask(lengths, n):
    return np.stack([np.arange(n) < length for length in lengths])[:, None, :]
'''),
    # --- split_heads --------------------------------------------------------------------------
    ("split_heads_moveaxis", "split_heads", '''
def split_heads(X, num_heads):
    *batch, n, d_model = X.shape
    if d_model % num_heads != 0:
        raise ValueError("d_model is not divisible by num_heads")
    return np.moveaxis(X.reshape(*batch, n, num_heads, d_model // num_heads), -2, -3)
'''),
    ("split_heads_np_split", "split_heads", '''
def split_heads(X, num_heads):
    if X.shape[-1] % num_heads:
        raise ValueError("d_model is not divisible by num_heads")
    return np.stack(np.split(X, num_heads, axis=-1), axis=-3)
'''),
    ("split_heads_slices", "split_heads", '''
def split_heads(X, num_heads):
    d_model = X.shape[-1]
    if d_model % num_heads:
        raise ValueError(f"cannot split {d_model} features into {num_heads} heads")
    d_head = d_model // num_heads
    return np.stack([X[..., h * d_head:(h + 1) * d_head] for h in range(num_heads)], axis=-3)
'''),
    # --- merge_heads --------------------------------------------------------------------------
    ("merge_heads_concatenate", "merge_heads", '''
def merge_heads(X):
    return np.concatenate([X[..., h, :, :] for h in range(X.shape[-3])], axis=-1)
'''),
    ("merge_heads_moveaxis", "merge_heads", '''
def merge_heads(X):
    *batch, h, n, d_head = X.shape
    return np.moveaxis(X, -3, -2).reshape(*batch, n, h * d_head)
'''),
    ("merge_heads_transpose_axes", "merge_heads", '''
def merge_heads(X):
    axes = list(range(X.ndim))
    axes[-3], axes[-2] = axes[-2], axes[-3]
    Y = np.transpose(X, axes)
    return Y.reshape(Y.shape[:-2] + (-1,))
'''),
    # --- multi_head_attention -----------------------------------------------------------------
    ("mha_loop_over_heads", "multi_head_attention", '''
def multi_head_attention(X, W_q, W_k, W_v, W_o, num_heads, mask=None):
    d_model = X.shape[-1]
    if d_model % num_heads:
        raise ValueError("d_model is not divisible by num_heads")
    d_head = d_model // num_heads
    outs, weights = [], []
    for h in range(num_heads):
        cols = slice(h * d_head, (h + 1) * d_head)
        o, w = scaled_dot_product_attention(X @ W_q[:, cols], X @ W_k[:, cols], X @ W_v[:, cols], mask)
        outs.append(o)
        weights.append(w)
    return np.concatenate(outs, axis=-1) @ W_o, np.stack(weights, axis=-3)
'''),
    ("mha_einsum_heads", "multi_head_attention", '''
def multi_head_attention(X, W_q, W_k, W_v, W_o, num_heads, mask=None):
    n, d_model = X.shape[-2:]
    if d_model % num_heads:
        raise ValueError("d_model is not divisible by num_heads")
    d_head = d_model // num_heads
    Wq, Wk, Wv = (W.reshape(d_model, num_heads, d_head) for W in (W_q, W_k, W_v))
    Q = np.einsum("...nd,dhe->...hne", X, Wq)
    K = np.einsum("...nd,dhe->...hne", X, Wk)
    V = np.einsum("...nd,dhe->...hne", X, Wv)
    if mask is not None:
        mask = np.expand_dims(np.broadcast_to(mask, np.broadcast_shapes(np.shape(mask), (n, n))), -3)
    heads, weights = scaled_dot_product_attention(Q, K, V, mask)
    output = np.einsum("...hne,hef->...nf", heads, W_o.reshape(num_heads, d_head, d_model))
    return output, weights
'''),
]
