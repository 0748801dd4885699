"""Plausible mistakes and alternative correct solutions for lesson 01 (graded through the real autograder)."""

# Each WRONG entry: (name, function, why, source). `source` replaces the whole solution
# cell whose grade_id is `function`; the autograder must take points off the test
# cells of that function (test_<function>*).
WRONG = [
    # ---------------------------------------------------------------- project_qkv
    ("project_qkv_swaps_w_k_and_w_v", "project_qkv", "K is computed with W_v and V with W_k", '''
def project_qkv(X, W_q, W_k, W_v):
    return X @ W_q, X @ W_v, X @ W_k
'''),
    ("project_qkv_list_in_wrong_order", "project_qkv", "returns a list [K, Q, V] instead of the tuple (Q, K, V)", '''
def project_qkv(X, W_q, W_k, W_v):
    return [X @ W_k, X @ W_q, X @ W_v]
'''),
    ("project_qkv_einsum_without_batch", "project_qkv", "a 2-D-only einsum fails for batched X", '''
def project_qkv(X, W_q, W_k, W_v):
    return (np.einsum("nd,dk->nk", X, W_q), np.einsum("nd,dk->nk", X, W_k),
            np.einsum("nd,dk->nk", X, W_v))
'''),
    ("project_qkv_column_convention", "project_qkv", "returns the transposes W^T X^T (shape (d_k, n))", '''
def project_qkv(X, W_q, W_k, W_v):
    return W_q.T @ X.T, W_k.T @ X.T, W_v.T @ X.T
'''),
    ("project_qkv_same_weights", "project_qkv", "uses W_q for all three projections (Q = K = V)", '''
def project_qkv(X, W_q, W_k, W_v):
    Q = X @ W_q
    return Q, Q, Q
'''),
    ("project_qkv_transposed_weights", "project_qkv", "X @ W.T: the weights are (d_model, d_k), not (d_k, d_model)", '''
def project_qkv(X, W_q, W_k, W_v):
    return X @ W_q.T, X @ W_k.T, X @ W_v.T
'''),
    # ---------------------------------------------------------------- attention_scores
    ("attention_scores_dot_T", "attention_scores", "K.T reverses every axis: breaks batch dimensions", '''
def attention_scores(Q, K):
    return Q @ K.T
'''),
    ("attention_scores_K_QT", "attention_scores", "K @ Q^T: the transpose of the score matrix", '''
def attention_scores(Q, K):
    return K @ np.swapaxes(Q, -1, -2)
'''),
    ("attention_scores_QT_K", "attention_scores", "Q^T @ K: a (d_k, d_k) matrix instead of (n_q, n_k)", '''
def attention_scores(Q, K):
    return np.swapaxes(Q, -1, -2) @ K
'''),
    ("attention_scores_np_dot", "attention_scores", "np.dot does not treat leading axes as a batch", '''
def attention_scores(Q, K):
    return np.dot(Q, np.swapaxes(K, -1, -2))
'''),
    ("attention_scores_scaled", "attention_scores", "divides by sqrt(d_k): not in this lesson", '''
def attention_scores(Q, K):
    return Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
'''),
    ("attention_scores_elementwise", "attention_scores", "pairs query i only with key i", '''
def attention_scores(Q, K):
    return (Q * K).sum(axis=-1)
'''),
    ("attention_scores_einsum_2d_only", "attention_scores", "an einsum without ... fails for batches", '''
def attention_scores(Q, K):
    return np.einsum("id,jd->ij", Q, K)
'''),
    ("attention_scores_einsum_transposed", "attention_scores", "einsum with the output indices swapped", '''
def attention_scores(Q, K):
    return np.einsum("...id,...jd->...ji", Q, K)
'''),
    # ---------------------------------------------------------------- softmax
    ("softmax_without_max_shift", "softmax", "overflows to nan for logits near 1e4", '''
def softmax(x, axis=-1):
    e = np.exp(x)
    return e / e.sum(axis=axis, keepdims=True)
'''),
    ("softmax_silenced_naive", "softmax", "hides the overflow warnings but still returns nan", '''
def softmax(x, axis=-1):
    with np.errstate(all="ignore"):
        e = np.exp(x)
        return e / e.sum(axis=axis, keepdims=True)
'''),
    ("softmax_global_max_shift", "softmax", "shifts by the max of the whole array: 0/0 in rows far below it", '''
def softmax(x, axis=-1):
    e = np.exp(x - np.max(x))
    return e / e.sum(axis=axis, keepdims=True)
'''),
    ("softmax_mean_shift", "softmax", "shifting by the mean does not prevent overflow", '''
def softmax(x, axis=-1):
    e = np.exp(x - x.mean(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)
'''),
    ("softmax_clipped_logits", "softmax", "clipping the logits changes the answer", '''
def softmax(x, axis=-1):
    e = np.exp(np.clip(x, -700.0, 700.0))
    return e / e.sum(axis=axis, keepdims=True)
'''),
    ("softmax_ignores_axis", "softmax", "always normalises along the last axis", '''
def softmax(x, axis=-1):
    z = x - x.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)
'''),
    ("softmax_over_axis_0", "softmax", "always normalises along axis 0", '''
def softmax(x, axis=-1):
    z = x - x.max(axis=0, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=0, keepdims=True)
'''),
    ("softmax_sum_without_keepdims", "softmax", "the sum broadcasts against the wrong axis", '''
def softmax(x, axis=-1):
    z = x - x.max(axis=axis, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=axis)
'''),
    ("softmax_max_without_keepdims", "softmax", "the max broadcasts against the wrong axis", '''
def softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis))
    return e / e.sum(axis=axis, keepdims=True)
'''),
    ("softmax_global_sum", "softmax", "divides by the sum of the whole array", '''
def softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum()
'''),
    ("softmax_in_place", "softmax", "x -= max modifies the caller's array", '''
def softmax(x, axis=-1):
    x -= x.max(axis=axis, keepdims=True)
    e = np.exp(x)
    return e / e.sum(axis=axis, keepdims=True)
'''),
    # ---------------------------------------------------------------- self_attention
    ("self_attention_scaled", "self_attention", "divides the scores by sqrt(d_k): not in this lesson", '''
def self_attention(X, W_q, W_k, W_v):
    Q, K, V = project_qkv(X, W_q, W_k, W_v)
    weights = softmax(attention_scores(Q, K) / np.sqrt(Q.shape[-1]), axis=-1)
    return weights @ V, weights
'''),
    ("self_attention_weights_at_Q", "self_attention", "mixes the queries instead of the values", '''
def self_attention(X, W_q, W_k, W_v):
    Q, K, V = project_qkv(X, W_q, W_k, W_v)
    weights = softmax(attention_scores(Q, K), axis=-1)
    return weights @ Q, weights
'''),
    ("self_attention_weights_at_X", "self_attention", "mixes the raw inputs instead of the values", '''
def self_attention(X, W_q, W_k, W_v):
    Q, K, V = project_qkv(X, W_q, W_k, W_v)
    weights = softmax(attention_scores(Q, K), axis=-1)
    return weights @ X, weights
'''),
    ("self_attention_softmax_over_queries", "self_attention", "softmax over the query axis", '''
def self_attention(X, W_q, W_k, W_v):
    Q, K, V = project_qkv(X, W_q, W_k, W_v)
    weights = softmax(attention_scores(Q, K), axis=-2)
    return weights @ V, weights
'''),
    ("self_attention_returns_weights_first", "self_attention", "returns (weights, output)", '''
def self_attention(X, W_q, W_k, W_v):
    Q, K, V = project_qkv(X, W_q, W_k, W_v)
    weights = softmax(attention_scores(Q, K), axis=-1)
    return weights, weights @ V
'''),
    ("self_attention_no_softmax", "self_attention", "uses the raw scores as weights", '''
def self_attention(X, W_q, W_k, W_v):
    Q, K, V = project_qkv(X, W_q, W_k, W_v)
    weights = attention_scores(Q, K)
    return weights @ V, weights
'''),
    ("self_attention_ignores_projections", "self_attention", "Q = K = V = X: the weights are never projected", '''
def self_attention(X, W_q, W_k, W_v):
    weights = softmax(attention_scores(X, X), axis=-1)
    return weights @ (X @ W_v), weights
'''),
    ("self_attention_inline_K_T", "self_attention", "K.T breaks batch dimensions", '''
def self_attention(X, W_q, W_k, W_v):
    Q, K, V = X @ W_q, X @ W_k, X @ W_v
    weights = softmax(Q @ K.T, axis=-1)
    return weights @ V, weights
'''),
    ("self_attention_swapped_scores_arguments", "self_attention",
     "attention_scores(K, Q): the weights are softmax(K Q^T), the transpose of the scores", '''
def self_attention(X, W_q, W_k, W_v):
    Q, K, V = project_qkv(X, W_q, W_k, W_v)
    weights = softmax(attention_scores(K, Q), axis=-1)
    return weights @ V, weights
'''),
    ("self_attention_inline_naive_softmax", "self_attention", "an unstable inline softmax overflows for large inputs", '''
def self_attention(X, W_q, W_k, W_v):
    Q, K, V = X @ W_q, X @ W_k, X @ W_v
    e = np.exp(Q @ np.swapaxes(K, -1, -2))
    weights = e / e.sum(axis=-1, keepdims=True)
    return weights @ V, weights
'''),
]

# Each RIGHT entry: (name, function, source): a correct implementation written
# differently from the solution; it must get full marks.
RIGHT = [
    # ---------------------------------------------------------------- project_qkv
    ("project_qkv_einsum_ellipsis", "project_qkv", '''
def project_qkv(X, W_q, W_k, W_v):
    Q = np.einsum("...nd,dk->...nk", X, W_q)
    K = np.einsum("...nd,dk->...nk", X, W_k)
    V = np.einsum("...nd,dv->...nv", X, W_v)
    return Q, K, V
'''),
    ("project_qkv_tensordot_tuple", "project_qkv", '''
def project_qkv(X, W_q, W_k, W_v):
    return tuple(np.tensordot(X, W, axes=([-1], [0])) for W in (W_q, W_k, W_v))
'''),
    ("project_qkv_row_loops", "project_qkv", '''
def project_qkv(X, W_q, W_k, W_v):
    rows = X.reshape(-1, X.shape[-1])
    result = []
    for W in (W_q, W_k, W_v):
        out = np.zeros((rows.shape[0], W.shape[1]), dtype=np.result_type(X, W))
        for r in range(rows.shape[0]):
            out[r] = rows[r] @ W
        result.append(out.reshape(X.shape[:-1] + (W.shape[1],)))
    return result[0], result[1], result[2]
'''),
    # ---------------------------------------------------------------- attention_scores
    ("attention_scores_einsum", "attention_scores", '''
def attention_scores(Q, K):
    return np.einsum("...id,...jd->...ij", Q, K)
'''),
    ("attention_scores_mT", "attention_scores", '''
def attention_scores(Q, K):
    return np.matmul(Q, K.mT)
'''),
    ("attention_scores_broadcast_sum", "attention_scores", '''
def attention_scores(Q, K):
    return (Q[..., :, None, :] * K[..., None, :, :]).sum(axis=-1)
'''),
    ("attention_scores_loops", "attention_scores", '''
def attention_scores(Q, K):
    out = np.zeros(Q.shape[:-1] + (K.shape[-2],), dtype=np.result_type(Q, K))
    for idx in np.ndindex(*Q.shape[:-2]):
        for i in range(Q.shape[-2]):
            for j in range(K.shape[-2]):
                out[idx + (i, j)] = np.dot(Q[idx + (i,)], K[idx + (j,)])
    return out
'''),
    # ---------------------------------------------------------------- softmax
    ("softmax_via_logsumexp", "softmax", '''
def softmax(x, axis=-1):
    m = np.max(x, axis=axis, keepdims=True)
    lse = m + np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True))
    return np.exp(x - lse)
'''),
    ("softmax_moveaxis", "softmax", '''
def softmax(x, axis=-1):
    z = np.moveaxis(x, axis, -1)
    z = z - z.max(axis=-1)[..., None]
    e = np.exp(z)
    return np.moveaxis(e / e.sum(axis=-1)[..., None], -1, axis)
'''),
    ("softmax_apply_along_axis", "softmax", '''
def softmax(x, axis=-1):
    def one(v):
        e = np.exp(v - v.max())
        return e / e.sum()
    return np.apply_along_axis(one, axis, x)
'''),
    ("softmax_copy_then_in_place", "softmax", '''
def softmax(x, axis=-1):
    y = np.array(x, copy=True)
    y -= y.max(axis=axis, keepdims=True)
    np.exp(y, out=y)
    y /= y.sum(axis=axis, keepdims=True)
    return y
'''),
    # ---------------------------------------------------------------- self_attention
    ("self_attention_einsum_logsumexp", "self_attention", '''
def self_attention(X, W_q, W_k, W_v):
    Q = np.einsum("...nd,dk->...nk", X, W_q)
    K = np.einsum("...nd,dk->...nk", X, W_k)
    V = np.einsum("...nd,dv->...nv", X, W_v)
    s = np.einsum("...ik,...jk->...ij", Q, K)
    m = s.max(axis=-1, keepdims=True)
    weights = np.exp(s - m - np.log(np.exp(s - m).sum(axis=-1, keepdims=True)))
    return np.einsum("...ij,...jv->...iv", weights, V), weights
'''),
    ("self_attention_batch_loop", "self_attention", '''
def self_attention(X, W_q, W_k, W_v):
    n = X.shape[-2]
    flat = X.reshape(-1, n, X.shape[-1])
    outs, ws = [], []
    for x in flat:
        Q, K, V = project_qkv(x, W_q, W_k, W_v)
        w = softmax(attention_scores(Q, K))
        outs.append(w @ V)
        ws.append(w)
    out = np.stack(outs).reshape(X.shape[:-1] + (W_v.shape[1],))
    weights = np.stack(ws).reshape(X.shape[:-1] + (n,))
    return out, weights
'''),
    ("self_attention_mT_inline", "self_attention", '''
def self_attention(X, W_q, W_k, W_v):
    Q, K, V = np.matmul(X, W_q), np.matmul(X, W_k), np.matmul(X, W_v)
    scores = Q @ K.mT
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights = e / e.sum(axis=-1, keepdims=True)
    return (weights @ V, weights)
'''),
]
