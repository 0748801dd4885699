"""Plausible mistakes and alternative correct solutions for lesson 05 (graded through the real autograder)."""

# Each WRONG entry: (name, function, why, source). `source` replaces the whole solution
# cell whose grade_id is `function`; the autograder must take points off the test
# cells of that function (test_<function>*).
WRONG = [
    # ------------------------------------------------------------------ numerical_gradient
    ("numerical_gradient_forward_difference", "numerical_gradient",
     "one-sided difference: O(eps) error, and with eps=0.1 the result of sum(x**3) is 3x^2 + 3x eps + eps^2", '''
def numerical_gradient(f, x, eps=1e-6):
    x_work = np.array(x, dtype=np.float64)
    f0 = f(x_work)
    grad = np.zeros_like(x_work)
    for idx in np.ndindex(x_work.shape):
        saved = x_work[idx]
        x_work[idx] = saved + eps
        grad[idx] = (f(x_work) - f0) / eps
        x_work[idx] = saved
    return grad
'''),
    ("numerical_gradient_ignores_eps", "numerical_gradient",
     "hard-codes the step 1e-5 instead of using the eps argument", '''
def numerical_gradient(f, x, eps=1e-6):
    h = 1e-5
    x_work = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x_work)
    for idx in np.ndindex(x_work.shape):
        saved = x_work[idx]
        x_work[idx] = saved + h
        f_plus = f(x_work)
        x_work[idx] = saved - h
        f_minus = f(x_work)
        x_work[idx] = saved
        grad[idx] = (f_plus - f_minus) / (2 * h)
    return grad
'''),
    ("numerical_gradient_modifies_x_in_place", "numerical_gradient",
     "perturbs the caller's x and never restores it (every entry ends eps lower)", '''
def numerical_gradient(f, x, eps=1e-6):
    grad = np.zeros(x.shape)
    for idx in np.ndindex(x.shape):
        x[idx] += eps
        f_plus = f(x)
        x[idx] -= 2 * eps
        f_minus = f(x)
        grad[idx] = (f_plus - f_minus) / (2 * eps)
    return grad
'''),
    ("numerical_gradient_restores_by_subtraction", "numerical_gradient",
     "works on x itself and 'restores' it with + eps: round-off changes x, and float32 x is perturbed in float32", '''
def numerical_gradient(f, x, eps=1e-6):
    grad = np.zeros(x.shape)
    for idx in np.ndindex(x.shape):
        x[idx] += eps
        f_plus = f(x)
        x[idx] -= 2 * eps
        f_minus = f(x)
        x[idx] += eps
        grad[idx] = (f_plus - f_minus) / (2 * eps)
    return grad
'''),
    ("numerical_gradient_perturbs_in_float32", "numerical_gradient",
     "copies x in its own dtype: for float32 x, x + 1e-6 rounds and the gradient is off by percents", '''
def numerical_gradient(f, x, eps=1e-6):
    x_work = x.copy()
    grad = np.zeros(x.shape)
    for idx in np.ndindex(x.shape):
        saved = x_work[idx]
        x_work[idx] = saved + eps
        f_plus = f(x_work)
        x_work[idx] = saved - eps
        f_minus = f(x_work)
        x_work[idx] = saved
        grad[idx] = (f_plus - f_minus) / (2 * eps)
    return grad
'''),
    ("numerical_gradient_flattens_output", "numerical_gradient",
     "returns the gradient as a flat vector instead of the shape of x", '''
def numerical_gradient(f, x, eps=1e-6):
    x_work = np.array(x, dtype=np.float64)
    grad = []
    for idx in np.ndindex(x_work.shape):
        saved = x_work[idx]
        x_work[idx] = saved + eps
        f_plus = f(x_work)
        x_work[idx] = saved - eps
        f_minus = f(x_work)
        x_work[idx] = saved
        grad.append((f_plus - f_minus) / (2 * eps))
    return np.array(grad)
'''),
    ("numerical_gradient_calls_f_on_flat_x", "numerical_gradient",
     "flattens x and calls f with the flat vector", '''
def numerical_gradient(f, x, eps=1e-6):
    flat = np.array(x, dtype=np.float64).ravel()
    grad = np.zeros_like(flat)
    for i in range(flat.size):
        saved = flat[i]
        flat[i] = saved + eps
        f_plus = f(flat)
        flat[i] = saved - eps
        f_minus = f(flat)
        flat[i] = saved
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad.reshape(np.shape(x))
'''),
    ("numerical_gradient_flat_view_silently_copies", "numerical_gradient",
     "perturbs x.reshape(-1), which is a copy for a non-contiguous x, so f never sees the perturbation", '''
def numerical_gradient(f, x, eps=1e-6):
    work = np.asarray(x, dtype=np.float64)
    flat = work.reshape(-1)
    grad = np.zeros(flat.shape)
    for i in range(flat.size):
        saved = flat[i]
        flat[i] = saved + eps
        f_plus = f(work)
        flat[i] = saved - eps
        f_minus = f(work)
        flat[i] = saved
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad.reshape(work.shape)
'''),
    ("numerical_gradient_richardson", "numerical_gradient",
     ("Richardson extrapolation (4 D(eps/2) - D(eps)) / 3 of the central difference D: accurate, but not the "
      "central difference of the contract (exact for a cubic, where the central difference gives 3x^2 + eps^2)"), '''
def numerical_gradient(f, x, eps=1e-6):
    x_work = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x_work)

    def central(idx, h):
        saved = x_work[idx]
        x_work[idx] = saved + h
        f_plus = f(x_work)
        x_work[idx] = saved - h
        f_minus = f(x_work)
        x_work[idx] = saved
        return (f_plus - f_minus) / (2 * h)

    for idx in np.ndindex(x_work.shape):
        grad[idx] = (4 * central(idx, eps / 2) - central(idx, eps)) / 3
    return grad
'''),
    # ------------------------------------------------------------------ attention_backward
    ("attention_backward_missing_inv_sqrt_dk", "attention_backward",
     "forgets the 1/sqrt(d_k) in dQ and dK: both are sqrt(d_k) times too large", '''
def attention_backward(dO, Q, K, V, mask=None):
    _, P = scaled_dot_product_attention(Q, K, V, mask)
    dV = np.swapaxes(P, -1, -2) @ dO
    dP = dO @ np.swapaxes(V, -1, -2)
    dS = P * (dP - np.sum(dP * P, axis=-1, keepdims=True))
    return dS @ K, np.swapaxes(dS, -1, -2) @ Q, dV
'''),
    ("attention_backward_dS_without_rowsum", "attention_backward",
     "dS = P * dP: forgets the rowsum term of the softmax Jacobian", '''
def attention_backward(dO, Q, K, V, mask=None):
    scale = 1.0 / np.sqrt(Q.shape[-1])
    _, P = scaled_dot_product_attention(Q, K, V, mask)
    dV = np.swapaxes(P, -1, -2) @ dO
    dS = P * (dO @ np.swapaxes(V, -1, -2))
    return (dS @ K) * scale, (np.swapaxes(dS, -1, -2) @ Q) * scale, dV
'''),
    ("attention_backward_dK_without_transpose", "attention_backward",
     "dK = dS Q instead of dS^T Q: wrong shape when n_q != n_k, wrong values otherwise", '''
def attention_backward(dO, Q, K, V, mask=None):
    scale = 1.0 / np.sqrt(Q.shape[-1])
    _, P = scaled_dot_product_attention(Q, K, V, mask)
    dV = np.swapaxes(P, -1, -2) @ dO
    dP = dO @ np.swapaxes(V, -1, -2)
    dS = P * (dP - np.sum(dP * P, axis=-1, keepdims=True))
    return (dS @ K) * scale, (dS @ Q) * scale, dV
'''),
    ("attention_backward_dK_uses_K", "attention_backward",
     "dK = dS^T K / sqrt(d_k): uses K where Q belongs", '''
def attention_backward(dO, Q, K, V, mask=None):
    scale = 1.0 / np.sqrt(Q.shape[-1])
    _, P = scaled_dot_product_attention(Q, K, V, mask)
    dV = np.swapaxes(P, -1, -2) @ dO
    dP = dO @ np.swapaxes(V, -1, -2)
    dS = P * (dP - np.sum(dP * P, axis=-1, keepdims=True))
    return (dS @ K) * scale, (np.swapaxes(dS, -1, -2) @ K) * scale, dV
'''),
    ("attention_backward_dot_T_breaks_batches", "attention_backward",
     "uses .T, which reverses all axes of batched arrays", '''
def attention_backward(dO, Q, K, V, mask=None):
    scale = 1.0 / np.sqrt(Q.shape[-1])
    _, P = scaled_dot_product_attention(Q, K, V, mask)
    dV = P.T @ dO
    dP = dO @ V.T
    dS = P * (dP - np.sum(dP * P, axis=-1, keepdims=True))
    return (dS @ K) * scale, (dS.T @ Q) * scale, dV
'''),
    ("attention_backward_rowsum_over_query_axis", "attention_backward",
     "sums dP * P over the query axis instead of the key axis", '''
def attention_backward(dO, Q, K, V, mask=None):
    scale = 1.0 / np.sqrt(Q.shape[-1])
    _, P = scaled_dot_product_attention(Q, K, V, mask)
    dV = np.swapaxes(P, -1, -2) @ dO
    dP = dO @ np.swapaxes(V, -1, -2)
    dS = P * (dP - np.sum(dP * P, axis=-2, keepdims=True))
    return (dS @ K) * scale, (np.swapaxes(dS, -1, -2) @ Q) * scale, dV
'''),
    ("attention_backward_unscaled_forward", "attention_backward",
     "recomputes P without the 1/sqrt(d_k) scale (the weights of the wrong forward pass)", '''
def attention_backward(dO, Q, K, V, mask=None):
    scale = 1.0 / np.sqrt(Q.shape[-1])
    S = Q @ np.swapaxes(K, -1, -2)
    if mask is not None:
        S = np.where(mask, S, -np.inf)
    m = S.max(axis=-1, keepdims=True)
    E = np.exp(S - np.where(np.isfinite(m), m, 0.0))
    Z = E.sum(axis=-1, keepdims=True)
    P = E / np.where(Z > 0, Z, 1.0)
    dV = np.swapaxes(P, -1, -2) @ dO
    dP = dO @ np.swapaxes(V, -1, -2)
    dS = P * (dP - np.sum(dP * P, axis=-1, keepdims=True))
    return (dS @ K) * scale, (np.swapaxes(dS, -1, -2) @ Q) * scale, dV
'''),
    ("attention_backward_nan_on_fully_masked_rows", "attention_backward",
     "own softmax with -inf and no guard: a fully masked row gives -inf - (-inf) = NaN", '''
def attention_backward(dO, Q, K, V, mask=None):
    scale = 1.0 / np.sqrt(Q.shape[-1])
    S = (Q @ np.swapaxes(K, -1, -2)) * scale
    if mask is not None:
        S = np.where(mask, S, -np.inf)
    E = np.exp(S - S.max(axis=-1, keepdims=True))
    P = E / E.sum(axis=-1, keepdims=True)
    dV = np.swapaxes(P, -1, -2) @ dO
    dP = dO @ np.swapaxes(V, -1, -2)
    dS = P * (dP - np.sum(dP * P, axis=-1, keepdims=True))
    return (dS @ K) * scale, (np.swapaxes(dS, -1, -2) @ Q) * scale, dV
'''),
    ("attention_backward_large_negative_fill", "attention_backward",
     "masks with -1e9 instead of -inf: a fully masked row gets uniform weights and non-zero gradients", '''
def attention_backward(dO, Q, K, V, mask=None):
    scale = 1.0 / np.sqrt(Q.shape[-1])
    S = (Q @ np.swapaxes(K, -1, -2)) * scale
    if mask is not None:
        S = np.where(mask, S, -1e9)
    E = np.exp(S - S.max(axis=-1, keepdims=True))
    P = E / E.sum(axis=-1, keepdims=True)
    dV = np.swapaxes(P, -1, -2) @ dO
    dP = dO @ np.swapaxes(V, -1, -2)
    dS = P * (dP - np.sum(dP * P, axis=-1, keepdims=True))
    return (dS @ K) * scale, (np.swapaxes(dS, -1, -2) @ Q) * scale, dV
'''),
    ("attention_backward_softmax_without_max_shift", "attention_backward",
     "recomputes the weights with exp(S) directly: overflows for large scores", '''
def attention_backward(dO, Q, K, V, mask=None):
    scale = 1.0 / np.sqrt(Q.shape[-1])
    E = np.exp((Q @ np.swapaxes(K, -1, -2)) * scale)
    if mask is not None:
        E = np.where(mask, E, 0.0)
    Z = E.sum(axis=-1, keepdims=True)
    P = E / np.where(Z > 0, Z, 1.0)
    dV = np.swapaxes(P, -1, -2) @ dO
    dP = dO @ np.swapaxes(V, -1, -2)
    dS = P * (dP - np.sum(dP * P, axis=-1, keepdims=True))
    return (dS @ K) * scale, (np.swapaxes(dS, -1, -2) @ Q) * scale, dV
'''),
    ("attention_backward_rowsum_without_keepdims", "attention_backward",
     "np.sum(dP * P, axis=-1) without keepdims: a broadcast error when n_q != n_k, wrong values otherwise", '''
def attention_backward(dO, Q, K, V, mask=None):
    scale = 1.0 / np.sqrt(Q.shape[-1])
    _, P = scaled_dot_product_attention(Q, K, V, mask)
    dV = np.swapaxes(P, -1, -2) @ dO
    dP = dO @ np.swapaxes(V, -1, -2)
    dS = P * (dP - np.sum(dP * P, axis=-1))
    return (dS @ K) * scale, (np.swapaxes(dS, -1, -2) @ Q) * scale, dV
'''),
    # ------------------------------------------------------------------ online_softmax_attention
    ("online_attention_no_rescale_of_accumulator", "online_softmax_attention",
     "rescales the normaliser but not the running numerator when the maximum changes", '''
def online_softmax_attention(Q, K, V, block_size, mask=None):
    n_q, n_k = Q.shape[-2], K.shape[-2]
    scale = 1.0 / np.sqrt(Q.shape[-1])
    if mask is not None:
        mask = np.broadcast_to(mask, np.shape(mask)[:-2] + (n_q, n_k))
    m = ell = acc = None
    for start in range(0, n_k, block_size):
        s = (Q @ np.swapaxes(K[..., start:start + block_size, :], -1, -2)) * scale
        if mask is not None:
            s = np.where(mask[..., start:start + block_size], s, -np.inf)
        block_max = s.max(axis=-1, keepdims=True)
        m_new = block_max if m is None else np.maximum(m, block_max)
        shift = np.where(np.isfinite(m_new), m_new, 0.0)
        p = np.exp(s - shift)
        if m is None:
            ell, acc = p.sum(axis=-1, keepdims=True), p @ V[..., start:start + block_size, :]
        else:
            ell = ell * np.exp(m - shift) + p.sum(axis=-1, keepdims=True)
            acc = acc + p @ V[..., start:start + block_size, :]
        m = m_new
    return acc / np.where(ell > 0, ell, 1.0)
'''),
    ("online_attention_drops_last_partial_block", "online_softmax_attention",
     "loops over n_k // block_size full blocks only: the last, shorter block is never visited", '''
def online_softmax_attention(Q, K, V, block_size, mask=None):
    n_q, n_k = Q.shape[-2], K.shape[-2]
    scale = 1.0 / np.sqrt(Q.shape[-1])
    if mask is not None:
        mask = np.broadcast_to(mask, np.shape(mask)[:-2] + (n_q, n_k))
    m = np.full(Q.shape[:-1] + (1,), -np.inf)
    ell = np.zeros(Q.shape[:-1] + (1,))
    acc = np.zeros(Q.shape[:-1] + (V.shape[-1],))
    for b in range(n_k // block_size):
        blk = slice(b * block_size, (b + 1) * block_size)
        s = (Q @ np.swapaxes(K[..., blk, :], -1, -2)) * scale
        if mask is not None:
            s = np.where(mask[..., blk], s, -np.inf)
        m_new = np.maximum(m, s.max(axis=-1, keepdims=True))
        shift = np.where(np.isfinite(m_new), m_new, 0.0)
        r = np.exp(m - shift)
        p = np.exp(s - shift)
        ell = ell * r + p.sum(axis=-1, keepdims=True)
        acc = acc * r + p @ V[..., blk, :]
        m = m_new
    return acc / np.where(ell > 0, ell, 1.0)
'''),
    ("online_attention_builds_full_score_matrix", "online_softmax_attention",
     "computes all of Q K^T first and only then walks over it in blocks: O(n_q n_k) memory", '''
def online_softmax_attention(Q, K, V, block_size, mask=None):
    n_k = K.shape[-2]
    S = (Q @ np.swapaxes(K, -1, -2)) / np.sqrt(Q.shape[-1])
    if mask is not None:
        S = np.where(mask, S, -np.inf)
    m = np.full(S.shape[:-1] + (1,), -np.inf)
    ell = np.zeros(S.shape[:-1] + (1,))
    acc = np.zeros(S.shape[:-1] + (V.shape[-1],))
    for start in range(0, n_k, block_size):
        s = S[..., start:start + block_size]
        m_new = np.maximum(m, s.max(axis=-1, keepdims=True))
        shift = np.where(np.isfinite(m_new), m_new, 0.0)
        r = np.exp(m - shift)
        p = np.exp(s - shift)
        ell = ell * r + p.sum(axis=-1, keepdims=True)
        acc = acc * r + p @ V[..., start:start + block_size, :]
        m = m_new
    return acc / np.where(ell > 0, ell, 1.0)
'''),
    ("online_attention_full_matrix_behind_a_ballast", "online_softmax_attention",
     "the full score matrix, hidden from a memory measurement by freeing 160 MB held before the call",
     '''
_ballast = [np.ones(20 * 2**20)]


def online_softmax_attention(Q, K, V, block_size, mask=None):
    _ballast[0] = None
    S = (Q @ np.swapaxes(K, -1, -2)) / np.sqrt(Q.shape[-1])
    if mask is not None:
        S = np.where(mask, S, -np.inf)
    top = S.max(axis=-1, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    E = np.exp(S - top)
    total = E.sum(axis=-1, keepdims=True)
    out = (E / np.where(total > 0, total, 1.0)) @ V
    _ballast[0] = np.ones(20 * 2**20)
    return out
'''),
    ("online_attention_keeps_all_blocks", "online_softmax_attention",
     "two passes: keeps every block of exponentials to normalise at the end, O(n_q n_k) memory", '''
def online_softmax_attention(Q, K, V, block_size, mask=None):
    n_q, n_k = Q.shape[-2], K.shape[-2]
    scale = 1.0 / np.sqrt(Q.shape[-1])
    if mask is not None:
        mask = np.broadcast_to(mask, np.shape(mask)[:-2] + (n_q, n_k))
    blocks, m = [], None
    for start in range(0, n_k, block_size):
        s = (Q @ np.swapaxes(K[..., start:start + block_size, :], -1, -2)) * scale
        if mask is not None:
            s = np.where(mask[..., start:start + block_size], s, -np.inf)
        blocks.append(s)
        m = s.max(axis=-1, keepdims=True) if m is None else np.maximum(m, s.max(axis=-1, keepdims=True))
    shift = np.where(np.isfinite(m), m, 0.0)
    ell, acc = 0.0, 0.0
    for start, s in zip(range(0, n_k, block_size), blocks):
        p = np.exp(s - shift)
        ell = ell + p.sum(axis=-1, keepdims=True)
        acc = acc + p @ V[..., start:start + block_size, :]
    return acc / np.where(ell > 0, ell, 1.0)
'''),
    ("online_attention_nan_on_fully_masked_rows", "online_softmax_attention",
     "shifts by the running maximum even when it is -inf: exp(-inf - (-inf)) = NaN for fully masked rows", '''
def online_softmax_attention(Q, K, V, block_size, mask=None):
    n_q, n_k = Q.shape[-2], K.shape[-2]
    scale = 1.0 / np.sqrt(Q.shape[-1])
    if mask is not None:
        mask = np.broadcast_to(mask, np.shape(mask)[:-2] + (n_q, n_k))
    m = np.full(Q.shape[:-1] + (1,), -np.inf)
    ell = np.zeros(Q.shape[:-1] + (1,))
    acc = np.zeros(Q.shape[:-1] + (V.shape[-1],))
    for start in range(0, n_k, block_size):
        s = (Q @ np.swapaxes(K[..., start:start + block_size, :], -1, -2)) * scale
        if mask is not None:
            s = np.where(mask[..., start:start + block_size], s, -np.inf)
        m_new = np.maximum(m, s.max(axis=-1, keepdims=True))
        r = np.exp(m - m_new)
        p = np.exp(s - m_new)
        ell = ell * r + p.sum(axis=-1, keepdims=True)
        acc = acc * r + p @ V[..., start:start + block_size, :]
        m = m_new
    return acc / ell
'''),
    ("online_attention_divides_by_zero_normaliser", "online_softmax_attention",
     "returns nan_to_num(acc / ell): right numbers, but 0 / 0 on fully masked rows raises a warning", '''
def online_softmax_attention(Q, K, V, block_size, mask=None):
    n_q, n_k = Q.shape[-2], K.shape[-2]
    scale = 1.0 / np.sqrt(Q.shape[-1])
    if mask is not None:
        mask = np.broadcast_to(mask, np.shape(mask)[:-2] + (n_q, n_k))
    m = np.full(Q.shape[:-1] + (1,), -np.inf)
    ell = np.zeros(Q.shape[:-1] + (1,))
    acc = np.zeros(Q.shape[:-1] + (V.shape[-1],))
    for start in range(0, n_k, block_size):
        s = (Q @ np.swapaxes(K[..., start:start + block_size, :], -1, -2)) * scale
        if mask is not None:
            s = np.where(mask[..., start:start + block_size], s, -np.inf)
        m_new = np.maximum(m, s.max(axis=-1, keepdims=True))
        shift = np.where(np.isfinite(m_new), m_new, 0.0)
        r = np.exp(m - shift)
        p = np.exp(s - shift)
        ell = ell * r + p.sum(axis=-1, keepdims=True)
        acc = acc * r + p @ V[..., start:start + block_size, :]
        m = m_new
    return np.nan_to_num(acc / ell)
'''),
    ("online_attention_no_max_shift", "online_softmax_attention",
     "sums plain exp(s) block by block: overflows for scores in the hundreds", '''
def online_softmax_attention(Q, K, V, block_size, mask=None):
    n_q, n_k = Q.shape[-2], K.shape[-2]
    scale = 1.0 / np.sqrt(Q.shape[-1])
    if mask is not None:
        mask = np.broadcast_to(mask, np.shape(mask)[:-2] + (n_q, n_k))
    ell = np.zeros(Q.shape[:-1] + (1,))
    acc = np.zeros(Q.shape[:-1] + (V.shape[-1],))
    for start in range(0, n_k, block_size):
        s = (Q @ np.swapaxes(K[..., start:start + block_size, :], -1, -2)) * scale
        if mask is not None:
            s = np.where(mask[..., start:start + block_size], s, -np.inf)
        p = np.exp(s)
        ell = ell + p.sum(axis=-1, keepdims=True)
        acc = acc + p @ V[..., start:start + block_size, :]
    return acc / np.where(ell > 0, ell, 1.0)
'''),
    ("online_attention_rescale_sign_flipped", "online_softmax_attention",
     "rescales by exp(m_new - m) instead of exp(m - m_new)", '''
def online_softmax_attention(Q, K, V, block_size, mask=None):
    n_q, n_k = Q.shape[-2], K.shape[-2]
    scale = 1.0 / np.sqrt(Q.shape[-1])
    if mask is not None:
        mask = np.broadcast_to(mask, np.shape(mask)[:-2] + (n_q, n_k))
    m = np.full(Q.shape[:-1] + (1,), -np.inf)
    ell = np.zeros(Q.shape[:-1] + (1,))
    acc = np.zeros(Q.shape[:-1] + (V.shape[-1],))
    for start in range(0, n_k, block_size):
        s = (Q @ np.swapaxes(K[..., start:start + block_size, :], -1, -2)) * scale
        if mask is not None:
            s = np.where(mask[..., start:start + block_size], s, -np.inf)
        m_new = np.maximum(m, s.max(axis=-1, keepdims=True))
        shift = np.where(np.isfinite(m_new), m_new, 0.0)
        old = np.where(np.isfinite(m), m, shift)
        r = np.exp(shift - old)
        p = np.exp(s - shift)
        ell = ell * r + p.sum(axis=-1, keepdims=True)
        acc = acc * r + p @ V[..., start:start + block_size, :]
        m = m_new
    return acc / np.where(ell > 0, ell, 1.0)
'''),
    ("online_attention_calls_full_attention", "online_softmax_attention",
     "returns full attention's output: the right numbers, but the whole (n_q, n_k) matrix in memory", '''
def online_softmax_attention(Q, K, V, block_size, mask=None):
    return scaled_dot_product_attention(Q, K, V, mask)[0]
'''),
]

# Each RIGHT entry: (name, function, source): a correct implementation written
# differently from the solution; it must get full marks.
RIGHT = [
    # ------------------------------------------------------------------ numerical_gradient
    ("numerical_gradient_basis_arrays", "numerical_gradient", '''
def numerical_gradient(f, x, eps=1e-6):
    x64 = np.array(x, dtype=np.float64)
    grad = np.empty(x64.shape)
    for idx in np.ndindex(x64.shape):
        e = np.zeros(x64.shape)
        e[idx] = eps
        grad[idx] = (f(x64 + e) - f(x64 - e)) / (2 * eps)
    return grad
'''),
    ("numerical_gradient_flat_copies", "numerical_gradient", '''
def numerical_gradient(f, x, eps=1e-6):
    shape = np.shape(x)
    flat = np.array(x, dtype=np.float64).ravel()
    grad = np.empty(flat.size)
    for i in range(flat.size):
        plus, minus = flat.copy(), flat.copy()
        plus[i] += eps
        minus[i] -= eps
        grad[i] = (f(plus.reshape(shape)) - f(minus.reshape(shape))) / (2 * eps)
    return grad.reshape(shape)
'''),
    # ------------------------------------------------------------------ attention_backward
    ("attention_backward_flash_D_trick", "attention_backward", '''
def attention_backward(dO, Q, K, V, mask=None):
    d_k = Q.shape[-1]
    O, P = scaled_dot_product_attention(Q, K, V, mask)
    D = np.sum(dO * O, axis=-1, keepdims=True)          # = rowsum(dP * P)
    dS = P * (dO @ np.swapaxes(V, -1, -2) - D)
    dQ = np.matmul(dS, K) / np.sqrt(d_k)
    dK = np.matmul(np.swapaxes(dS, -1, -2), Q) / np.sqrt(d_k)
    dV = np.matmul(np.swapaxes(P, -1, -2), dO)
    return dQ, dK, dV
'''),
    ("attention_backward_einsum_own_softmax", "attention_backward", '''
def attention_backward(dO, Q, K, V, mask=None):
    d_k = Q.shape[-1]
    S = np.einsum("...id,...jd->...ij", Q, K) / np.sqrt(d_k)
    allowed = np.ones(S.shape, dtype=bool) if mask is None else np.broadcast_to(mask, S.shape)
    S = np.where(allowed, S, -np.inf)
    any_allowed = allowed.any(axis=-1, keepdims=True)
    row_max = np.where(any_allowed, S.max(axis=-1, keepdims=True, initial=-np.inf, where=allowed), 0.0)
    E = np.exp(np.where(allowed, S - row_max, -np.inf))
    Z = E.sum(axis=-1, keepdims=True)
    P = E / np.where(any_allowed, Z, 1.0)
    dP = np.einsum("...ic,...jc->...ij", dO, V)
    dS = P * dP - P * np.einsum("...ij,...ij->...i", P, dP)[..., None]
    dQ = np.einsum("...ij,...jd->...id", dS, K) / np.sqrt(d_k)
    dK = np.einsum("...ij,...id->...jd", dS, Q) / np.sqrt(d_k)
    dV = np.einsum("...ij,...ic->...jc", P, dO)
    return dQ, dK, dV
'''),
    ("attention_backward_explicit_jacobian", "attention_backward", '''
def attention_backward(dO, Q, K, V, mask=None):
    scale = 1.0 / np.sqrt(Q.shape[-1])
    _, P = scaled_dot_product_attention(Q, K, V, mask)
    dP = dO @ np.swapaxes(V, -1, -2)
    n_k = P.shape[-1]
    J = P[..., :, None] * np.eye(n_k) - P[..., :, None] * P[..., None, :]   # (..., n_q, n_k, n_k)
    dS = np.einsum("...ijk,...ik->...ij", J, dP)
    return (dS @ K) * scale, (np.swapaxes(dS, -1, -2) @ Q) * scale, np.swapaxes(P, -1, -2) @ dO
'''),
    # ------------------------------------------------------------------ online_softmax_attention
    ("online_attention_normalised_running_output", "online_softmax_attention", '''
def online_softmax_attention(Q, K, V, block_size, mask=None):
    # FlashAttention-1 style: keep the output normalised after every block.
    n_q, n_k = Q.shape[-2], K.shape[-2]
    scale = 1.0 / np.sqrt(Q.shape[-1])
    if mask is not None:
        mask = np.asarray(mask, dtype=bool)
        mask = np.broadcast_to(mask, mask.shape[:-2] + (n_q, n_k)) if mask.ndim >= 2 else mask
    out = m = ell = None
    start = 0
    while start < n_k:
        stop = min(n_k, start + block_size)
        s = np.matmul(Q, np.swapaxes(K[..., start:stop, :], -1, -2)) * scale
        if mask is not None:
            s = np.where(mask[..., start:stop], s, -np.inf)
        if out is None:
            shape = s.shape[:-1]
            m = np.full(shape + (1,), -np.inf)
            ell = np.zeros(shape + (1,))
            out = np.zeros(shape + (V.shape[-1],))
        m_new = np.maximum(m, np.max(s, axis=-1, keepdims=True))
        safe = np.where(m_new == -np.inf, 0.0, m_new)
        p = np.exp(s - safe)
        ell_new = np.exp(m - safe) * ell + np.sum(p, axis=-1, keepdims=True)
        denom = np.where(ell_new > 0, ell_new, 1.0)
        out = (np.exp(m - safe) * ell * out + p @ V[..., start:stop, :]) / denom
        m, ell = m_new, ell_new
        start = stop
    return out
'''),
    ("online_attention_query_and_key_tiles", "online_softmax_attention", '''
def online_softmax_attention(Q, K, V, block_size, mask=None):
    # tiles the queries as well as the keys: memory O(block_size ** 2)
    n_q, n_k = Q.shape[-2], K.shape[-2]
    scale = 1.0 / np.sqrt(Q.shape[-1])
    batch = np.broadcast_shapes(Q.shape[:-2], K.shape[:-2], V.shape[:-2])
    if mask is not None:
        mask = np.asarray(mask, dtype=bool)
        mask = mask.reshape((1,) * max(0, 2 - mask.ndim) + mask.shape)
        batch = np.broadcast_shapes(batch, mask.shape[:-2])
        mask = np.broadcast_to(mask, batch + (n_q, n_k))
    out = np.zeros(batch + (n_q, V.shape[-1]))
    for q0 in range(0, n_q, block_size):
        q1 = min(q0 + block_size, n_q)
        Qb = Q[..., q0:q1, :]
        m = np.full(batch + (q1 - q0, 1), -np.inf)
        ell = np.zeros(batch + (q1 - q0, 1))
        acc = np.zeros(batch + (q1 - q0, V.shape[-1]))
        for k0 in range(0, n_k, block_size):
            k1 = min(k0 + block_size, n_k)
            s = (Qb @ np.swapaxes(K[..., k0:k1, :], -1, -2)) * scale
            if mask is not None:
                s = np.where(mask[..., q0:q1, k0:k1], s, -np.inf)
            m_new = np.maximum(m, s.max(axis=-1, keepdims=True))
            shift = np.where(np.isinf(m_new), 0.0, m_new)
            r = np.exp(m - shift)
            p = np.exp(s - shift)
            ell = r * ell + p.sum(axis=-1, keepdims=True)
            acc = r * acc + p @ V[..., k0:k1, :]
            m = m_new
        out[..., q0:q1, :] = np.divide(acc, ell, out=np.zeros_like(acc), where=ell > 0)
    return out
'''),
    ("online_attention_finite_fill_with_seen_flag", "online_softmax_attention", '''
def online_softmax_attention(Q, K, V, block_size, mask=None):
    # masks with a large finite negative number and remembers whether a row has seen any allowed key
    n_q, n_k = Q.shape[-2], K.shape[-2]
    scale = 1.0 / np.sqrt(Q.shape[-1])
    allowed_all = None
    if mask is not None:
        mask = np.asarray(mask, dtype=bool)
        if mask.ndim < 2:
            mask = mask[None, :]
        allowed_all = np.broadcast_to(mask, mask.shape[:-2] + (n_q, n_k))
    m = ell = acc = seen = None
    for start in range(0, n_k, block_size):
        stop = min(start + block_size, n_k)
        s = (Q @ np.swapaxes(K[..., start:stop, :], -1, -2)) * scale
        if allowed_all is None:
            allowed = np.ones(s.shape, dtype=bool)
        else:
            allowed = np.broadcast_to(allowed_all[..., start:stop], np.broadcast_shapes(s.shape, allowed_all[..., start:stop].shape))
            s = np.broadcast_to(s, allowed.shape)
        s = np.where(allowed, s, -1e30)
        if m is None:
            m = np.full(s.shape[:-1] + (1,), -1e30)
            ell = np.zeros(s.shape[:-1] + (1,))
            acc = np.zeros(s.shape[:-1] + (V.shape[-1],))
            seen = np.zeros(s.shape[:-1] + (1,), dtype=bool)
        m_new = np.maximum(m, s.max(axis=-1, keepdims=True))
        p = np.exp(s - m_new) * allowed
        r = np.exp(m - m_new)
        ell = ell * r + p.sum(axis=-1, keepdims=True)
        acc = acc * r + p @ V[..., start:stop, :]
        seen = seen | allowed.any(axis=-1, keepdims=True)
        m = m_new
    return np.where(seen, acc / np.where(seen, ell, 1.0), 0.0)
'''),
]
