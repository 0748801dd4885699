"""Plausible mistakes and alternative correct solutions for lesson 06 (graded through the real autograder)."""

# Each WRONG entry: (name, function, why, source). `source` replaces the whole solution
# cell whose grade_id is `function`; the autograder must take points off the test
# cells of that function (test_<function>*).
WRONG = [
    # ------------------------------------------------------------------ positional_encoding
    ("positional_encoding_sin_cos_swapped", "positional_encoding",
     "cosines at the even columns and sines at the odd ones: row 0 is (1, 0, 1, 0, ...)", '''
def positional_encoding(n, d):
    if d % 2:
        raise ValueError("d must be even")
    p = np.arange(n)[:, None]
    w = 1.0 / 10000.0 ** (np.arange(0, d, 2) / d)
    PE = np.zeros((n, d))
    PE[:, 0::2] = np.cos(p * w)
    PE[:, 1::2] = np.sin(p * w)
    return PE
'''),
    ("positional_encoding_concatenated_halves", "positional_encoding",
     "all sines first, then all cosines (the layout of some libraries), instead of interleaved pairs", '''
def positional_encoding(n, d):
    if d % 2:
        raise ValueError("d must be even")
    p = np.arange(n)[:, None]
    w = 1.0 / 10000.0 ** (np.arange(0, d, 2) / d)
    return np.concatenate([np.sin(p * w), np.cos(p * w)], axis=1)
'''),
    ("positional_encoding_exponent_i_over_d", "positional_encoding",
     "frequency 10000^(-i/d) with i the pair index: the exponent must be 2i/d", '''
def positional_encoding(n, d):
    if d % 2:
        raise ValueError("d must be even")
    p = np.arange(n)[:, None]
    w = 1.0 / 10000.0 ** (np.arange(d // 2) / d)
    PE = np.zeros((n, d))
    PE[:, 0::2] = np.sin(p * w)
    PE[:, 1::2] = np.cos(p * w)
    return PE
'''),
    ("positional_encoding_exponent_per_column", "positional_encoding",
     "every column j gets its own exponent j/d, so the sin and cos of a pair have different frequencies", '''
def positional_encoding(n, d):
    if d % 2:
        raise ValueError("d must be even")
    angle = np.arange(n)[:, None] / 10000.0 ** (np.arange(d)[None, :] / d)
    return np.where(np.arange(d) % 2 == 0, np.sin(angle), np.cos(angle))
'''),
    ("positional_encoding_no_odd_check", "positional_encoding",
     "accepts an odd d (the last sine has no cosine partner) instead of raising ValueError", '''
def positional_encoding(n, d):
    angle = np.arange(n)[:, None] / 10000.0 ** ((np.arange(d) // 2 * 2) / d)
    PE = np.sin(angle)
    PE[:, 1::2] = np.cos(angle[:, 1::2])
    return PE
'''),
    ("positional_encoding_float32", "positional_encoding",
     "returns float32: the contract asks for float64", '''
def positional_encoding(n, d):
    if d % 2:
        raise ValueError("d must be even")
    p = np.arange(n, dtype=np.float32)[:, None]
    w = (1.0 / 10000.0 ** (np.arange(0, d, 2) / d)).astype(np.float32)
    PE = np.zeros((n, d), dtype=np.float32)
    PE[:, 0::2] = np.sin(p * w)
    PE[:, 1::2] = np.cos(p * w)
    return PE
'''),
    # ------------------------------------------------------------------ cross_entropy
    ("cross_entropy_without_max_shift", "cross_entropy",
     "exp of the raw logits: overflows (inf / inf = nan) for logits of 1e4", '''
def cross_entropy(logits, targets):
    C = logits.shape[-1]
    if np.any(targets < 0) or np.any(targets >= C):
        raise ValueError("target out of range")
    e = np.exp(logits)
    p = e / e.sum(axis=-1, keepdims=True)
    onehot = targets[..., None] == np.arange(C)
    N = targets.size
    return -float(np.sum(np.log(p[onehot]))) / N, (p - onehot) / N
'''),
    ("cross_entropy_log_of_softmax", "cross_entropy",
     "stable softmax, but log(softmax): a probability that underflows to 0 gives log 0 = -inf", '''
def cross_entropy(logits, targets):
    C = logits.shape[-1]
    if np.any(targets < 0) or np.any(targets >= C):
        raise ValueError("target out of range")
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))
    p = e / e.sum(axis=-1, keepdims=True)
    onehot = targets[..., None] == np.arange(C)
    N = targets.size
    return -float(np.sum(np.log(p[onehot]))) / N, (p - onehot) / N
'''),
    ("cross_entropy_summed", "cross_entropy",
     "sums the loss over positions instead of averaging (the gradient is the mean's)", '''
def cross_entropy(logits, targets):
    C = logits.shape[-1]
    if np.any(targets < 0) or np.any(targets >= C):
        raise ValueError("target out of range")
    z = logits - logits.max(axis=-1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    onehot = targets[..., None] == np.arange(C)
    return -float(np.sum(log_p[onehot])), (np.exp(log_p) - onehot) / targets.size
'''),
    ("cross_entropy_gradient_not_divided", "cross_entropy",
     "the mean loss, but the gradient softmax - onehot without the 1/N", '''
def cross_entropy(logits, targets):
    C = logits.shape[-1]
    if np.any(targets < 0) or np.any(targets >= C):
        raise ValueError("target out of range")
    z = logits - logits.max(axis=-1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    onehot = targets[..., None] == np.arange(C)
    return -float(np.sum(log_p[onehot])) / targets.size, np.exp(log_p) - onehot
'''),
    ("cross_entropy_targets_assumed_one_hot", "cross_entropy",
     "treats targets as one-hot arrays: sum(targets * log_p) broadcasts the indices against the classes", '''
def cross_entropy(logits, targets):
    z = logits - logits.max(axis=-1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    N = logits.size // logits.shape[-1]
    return -float(np.sum(targets * log_p)) / N, (np.exp(log_p) - targets) / N
'''),
    ("cross_entropy_accepts_negative_targets", "cross_entropy",
     "checks only targets >= C: a target of -1 silently picks the last class", '''
def cross_entropy(logits, targets):
    C = logits.shape[-1]
    if np.any(targets >= C):
        raise ValueError("target out of range")
    z = logits - logits.max(axis=-1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    picked = np.take_along_axis(log_p, targets[..., None] % C, axis=-1)
    grad = np.exp(log_p)
    np.put_along_axis(grad, targets[..., None] % C, np.take_along_axis(grad, targets[..., None] % C, axis=-1) - 1, axis=-1)
    return -float(picked.sum()) / targets.size, grad / targets.size
'''),
    ("cross_entropy_divides_by_rows_of_first_axis", "cross_entropy",
     "divides by len(targets) (the first axis) instead of the number of positions targets.size", '''
def cross_entropy(logits, targets):
    C = logits.shape[-1]
    if np.any(targets < 0) or np.any(targets >= C):
        raise ValueError("target out of range")
    z = logits - logits.max(axis=-1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    onehot = targets[..., None] == np.arange(C)
    N = targets.shape[0] if targets.ndim else 1
    return -float(np.sum(log_p[onehot])) / N, (np.exp(log_p) - onehot) / N
'''),
    # ------------------------------------------------------------------ adam_step
    ("adam_step_without_bias_correction", "adam_step",
     "uses m and v directly: the first step is lr (1 - b1) / sqrt(1 - b2) = 3.16 lr", '''
def adam_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m_new = beta1 * m + (1 - beta1) * grad
    v_new = beta2 * v + (1 - beta2) * grad ** 2
    return param - lr * m_new / (np.sqrt(v_new) + eps), m_new, v_new
'''),
    ("adam_step_t_counted_from_zero", "adam_step",
     "bias correction with beta ** (t + 1), as if the first step were t = 0", '''
def adam_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m_new = beta1 * m + (1 - beta1) * grad
    v_new = beta2 * v + (1 - beta2) * grad ** 2
    m_hat = m_new / (1 - beta1 ** (t + 1))
    v_hat = v_new / (1 - beta2 ** (t + 1))
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m_new, v_new
'''),
    ("adam_step_eps_inside_sqrt", "adam_step",
     "sqrt(v_hat + eps): with tiny gradients the steps are a thousand times too small", '''
def adam_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m_new = beta1 * m + (1 - beta1) * grad
    v_new = beta2 * v + (1 - beta2) * grad ** 2
    m_hat = m_new / (1 - beta1 ** t)
    v_hat = v_new / (1 - beta2 ** t)
    return param - lr * m_hat / np.sqrt(v_hat + eps), m_new, v_new
'''),
    ("adam_step_updates_inputs_in_place", "adam_step",
     "right values, but updates param, m and v in place (the caller's arrays change)", '''
def adam_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m *= beta1
    m += (1 - beta1) * grad
    v *= beta2
    v += (1 - beta2) * grad ** 2
    param -= lr * (m / (1 - beta1 ** t)) / (np.sqrt(v / (1 - beta2 ** t)) + eps)
    return param, m, v
'''),
    ("adam_step_only_m_corrected", "adam_step",
     "bias-corrects m but not v", '''
def adam_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m_new = beta1 * m + (1 - beta1) * grad
    v_new = beta2 * v + (1 - beta2) * grad ** 2
    return param - lr * (m_new / (1 - beta1 ** t)) / (np.sqrt(v_new) + eps), m_new, v_new
'''),
    ("adam_step_plain_gradient_in_numerator", "adam_step",
     "divides the raw gradient (not the average m_hat) by sqrt(v_hat) + eps (RMSProp-like)", '''
def adam_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m_new = beta1 * m + (1 - beta1) * grad
    v_new = beta2 * v + (1 - beta2) * grad ** 2
    v_hat = v_new / (1 - beta2 ** t)
    return param - lr * grad / (np.sqrt(v_hat) + eps), m_new, v_new
'''),
    # ------------------------------------------------------------------ rnn_forward
    ("rnn_forward_first_step_without_bias", "rnn_forward",
     "special-cases the first step as h_1 = tanh(x_1 W_x), forgetting b", '''
def rnn_forward(X, W_x, W_h, b):
    h = np.tanh(X[..., 0, :] @ W_x)
    states = [h]
    for t in range(1, X.shape[-2]):
        h = np.tanh(X[..., t, :] @ W_x + h @ W_h + b)
        states.append(h)
    return np.stack(states, axis=-2)
'''),
    ("rnn_forward_returns_h0_to_hn_minus_1", "rnn_forward",
     "stores the state before updating it: returns h_0 ... h_(n-1) (drops the last state, keeps h_0)", '''
def rnn_forward(X, W_x, W_h, b):
    n, d_h = X.shape[-2], W_h.shape[0]
    h = np.zeros(X.shape[:-2] + (d_h,))
    H = np.zeros(X.shape[:-2] + (n, d_h))
    for t in range(n):
        H[..., t, :] = h
        h = np.tanh(X[..., t, :] @ W_x + h @ W_h + b)
    return H
'''),
    ("rnn_forward_includes_h0", "rnn_forward",
     "returns n + 1 states h_0 ... h_n", '''
def rnn_forward(X, W_x, W_h, b):
    h = np.zeros(X.shape[:-2] + (W_h.shape[0],))
    states = [h]
    for t in range(X.shape[-2]):
        h = np.tanh(X[..., t, :] @ W_x + h @ W_h + b)
        states.append(h)
    return np.stack(states, axis=-2)
'''),
    ("rnn_forward_two_d_only", "rnn_forward",
     "loops over the rows X[t] of a 2-D X: with a batch it steps over sequences instead of time", '''
def rnn_forward(X, W_x, W_h, b):
    h = np.zeros(W_h.shape[0])
    states = []
    for x_t in X:
        h = np.tanh(x_t @ W_x + h @ W_h + b)
        states.append(h)
    return np.array(states)
'''),
    ("rnn_forward_recurrent_weight_transposed", "rnn_forward",
     "h_(t-1) W_h^T instead of h_(t-1) W_h", '''
def rnn_forward(X, W_x, W_h, b):
    A = X @ W_x + b
    H = np.empty(A.shape)
    h = np.zeros(A.shape[:-2] + A.shape[-1:])
    for t in range(A.shape[-2]):
        h = np.tanh(A[..., t, :] + h @ W_h.T)
        H[..., t, :] = h
    return H
'''),
    # ------------------------------------------------------------------ rnn_backward
    ("rnn_backward_truncated_to_one_step", "rnn_backward",
     "delta_t = dH_t * (1 - h_t^2) only: the gradient is never carried back to earlier steps", '''
def rnn_backward(dH, X, H, W_x, W_h):
    d_in, d_h = W_x.shape
    dA = dH * (1 - H ** 2)
    H_prev = np.concatenate([np.zeros_like(H[..., :1, :]), H[..., :-1, :]], axis=-2)
    return (dA @ W_x.T, X.reshape(-1, d_in).T @ dA.reshape(-1, d_h),
            H_prev.reshape(-1, d_h).T @ dA.reshape(-1, d_h), dA.reshape(-1, d_h).sum(axis=0))
'''),
    ("rnn_backward_missing_tanh_derivative", "rnn_backward",
     "delta_t = g_t, without the factor 1 - h_t^2", '''
def rnn_backward(dH, X, H, W_x, W_h):
    d_in, d_h = W_x.shape
    dA = np.zeros(H.shape)
    g = np.zeros(H.shape[:-2] + (d_h,))
    for t in range(H.shape[-2] - 1, -1, -1):
        g = g + dH[..., t, :]
        dA[..., t, :] = g
        g = dA[..., t, :] @ W_h.T
    H_prev = np.concatenate([np.zeros_like(H[..., :1, :]), H[..., :-1, :]], axis=-2)
    return (dA @ W_x.T, X.reshape(-1, d_in).T @ dA.reshape(-1, d_h),
            H_prev.reshape(-1, d_h).T @ dA.reshape(-1, d_h), dA.reshape(-1, d_h).sum(axis=0))
'''),
    ("rnn_backward_dW_h_from_h_t", "rnn_backward",
     "dW_h = sum_t h_t^T delta_t: pairs delta_t with the current state instead of h_(t-1)", '''
def rnn_backward(dH, X, H, W_x, W_h):
    d_in, d_h = W_x.shape
    dA = np.zeros(H.shape)
    g = np.zeros(H.shape[:-2] + (d_h,))
    for t in range(H.shape[-2] - 1, -1, -1):
        g = g + dH[..., t, :]
        dA[..., t, :] = g * (1 - H[..., t, :] ** 2)
        g = dA[..., t, :] @ W_h.T
    return (dA @ W_x.T, X.reshape(-1, d_in).T @ dA.reshape(-1, d_h),
            H.reshape(-1, d_h).T @ dA.reshape(-1, d_h), dA.reshape(-1, d_h).sum(axis=0))
'''),
    ("rnn_backward_last_state_only", "rnn_backward",
     "the lecture's bptt_demo: starts from dH of the last state and ignores dH at the earlier steps", '''
def rnn_backward(dH, X, H, W_x, W_h):
    d_in, d_h = W_x.shape
    dA = np.zeros(H.shape)
    g = dH[..., -1, :]
    for t in range(H.shape[-2] - 1, -1, -1):
        dA[..., t, :] = g * (1 - H[..., t, :] ** 2)
        g = dA[..., t, :] @ W_h.T
    H_prev = np.concatenate([np.zeros_like(H[..., :1, :]), H[..., :-1, :]], axis=-2)
    return (dA @ W_x.T, X.reshape(-1, d_in).T @ dA.reshape(-1, d_h),
            H_prev.reshape(-1, d_h).T @ dA.reshape(-1, d_h), dA.reshape(-1, d_h).sum(axis=0))
'''),
    ("rnn_backward_weights_not_summed_over_batch", "rnn_backward",
     "weight gradients with swapaxes @: keeps the batch axes instead of summing over them", '''
def rnn_backward(dH, X, H, W_x, W_h):
    d_h = W_h.shape[0]
    dA = np.zeros(H.shape)
    g = np.zeros(H.shape[:-2] + (d_h,))
    for t in range(H.shape[-2] - 1, -1, -1):
        g = g + dH[..., t, :]
        dA[..., t, :] = g * (1 - H[..., t, :] ** 2)
        g = dA[..., t, :] @ W_h.T
    H_prev = np.concatenate([np.zeros_like(H[..., :1, :]), H[..., :-1, :]], axis=-2)
    return (dA @ W_x.T, np.swapaxes(X, -1, -2) @ dA, np.swapaxes(H_prev, -1, -2) @ dA, dA.sum(axis=-2))
'''),
    ("rnn_backward_derivative_from_tanh_of_state", "rnn_backward",
     "uses 1 - tanh(h_t)^2, applying tanh a second time to the state (which already is the tanh)", '''
def rnn_backward(dH, X, H, W_x, W_h):
    d_in, d_h = W_x.shape
    dA = np.zeros(H.shape)
    g = np.zeros(H.shape[:-2] + (d_h,))
    for t in range(H.shape[-2] - 1, -1, -1):
        g = g + dH[..., t, :]
        dA[..., t, :] = g * (1 - np.tanh(H[..., t, :]) ** 2)
        g = dA[..., t, :] @ W_h.T
    H_prev = np.concatenate([np.zeros_like(H[..., :1, :]), H[..., :-1, :]], axis=-2)
    return (dA @ W_x.T, X.reshape(-1, d_in).T @ dA.reshape(-1, d_h),
            H_prev.reshape(-1, d_h).T @ dA.reshape(-1, d_h), dA.reshape(-1, d_h).sum(axis=0))
'''),
]

# Each RIGHT entry: (name, function, source): a correct implementation written
# differently from the solution; it must get full marks.
RIGHT = [
    # ------------------------------------------------------------------ positional_encoding
    ("positional_encoding_stack_and_reshape", "positional_encoding", '''
def positional_encoding(n, d):
    if d % 2 == 1:
        raise ValueError("odd d")
    angles = np.outer(np.arange(n), np.exp(-np.log(10000.0) * np.arange(0, d, 2) / d))
    return np.stack([np.sin(angles), np.cos(angles)], axis=-1).reshape(n, d)
'''),
    ("positional_encoding_loops", "positional_encoding", '''
import math


def positional_encoding(n, d):
    if d % 2:
        raise ValueError(f"d = {d} is odd")
    PE = np.zeros((int(n), int(d)))
    for p in range(int(n)):
        for i in range(int(d) // 2):
            angle = p / math.pow(10000, 2 * i / d)
            PE[p, 2 * i] = math.sin(angle)
            PE[p, 2 * i + 1] = math.cos(angle)
    return PE
'''),
    # ------------------------------------------------------------------ cross_entropy
    ("cross_entropy_logsumexp_take_along_axis", "cross_entropy", '''
def cross_entropy(logits, targets):
    logits = np.asarray(logits)
    targets = np.asarray(targets).astype(np.int64)
    C = logits.shape[-1]
    if targets.size and (targets.min() < 0 or targets.max() > C - 1):
        raise ValueError("targets outside [0, C)")
    m = np.max(logits, axis=-1, keepdims=True)
    lse = m + np.log(np.sum(np.exp(logits - m), axis=-1, keepdims=True))
    picked = np.take_along_axis(logits, targets[..., None], axis=-1)
    N = targets.size
    loss = float(np.sum(lse - picked)) / N
    probs = np.exp(logits - lse)
    grad = probs - np.eye(C, dtype=probs.dtype)[targets]
    return loss, grad / N
'''),
    ("cross_entropy_flattened_rows", "cross_entropy", '''
def cross_entropy(logits, targets):
    shape = np.shape(logits)
    C = shape[-1]
    z = np.reshape(logits, (-1, C))
    y = np.reshape(targets, -1)
    if not np.all((0 <= y) & (y < C)):
        raise ValueError("a target is not a class index")
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    s = e.sum(axis=1)
    rows = np.arange(len(y))
    loss = np.mean(np.log(s) - z[rows, y])
    grad = e / s[:, None]
    grad[rows, y] -= 1
    return float(loss), (grad / len(y)).reshape(shape)
'''),
    # ------------------------------------------------------------------ adam_step
    ("adam_step_efficient_form", "adam_step", '''
def adam_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # Kingma & Ba's "more efficient" ordering, with eps rescaled so that it is exactly the same update
    m_new = m + (1 - beta1) * (grad - m)
    v_new = v + (1 - beta2) * (grad * grad - v)
    c2 = np.sqrt(1 - beta2 ** t)
    step = lr * c2 / (1 - beta1 ** t)
    return param - step * m_new / (np.sqrt(v_new) + eps * c2), m_new, v_new
'''),
    ("adam_step_copies_then_in_place", "adam_step", '''
def adam_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    p, m2, v2 = np.array(param, dtype=float), np.array(m, dtype=float), np.array(v, dtype=float)
    m2 *= beta1
    m2 += (1 - beta1) * grad
    v2 *= beta2
    v2 += (1 - beta2) * np.square(grad)
    p -= lr * (m2 / (1 - beta1 ** t)) / (np.sqrt(v2 / (1 - beta2 ** t)) + eps)
    return p, m2, v2
'''),
    # ------------------------------------------------------------------ rnn_forward
    ("rnn_forward_list_of_states", "rnn_forward", '''
def rnn_forward(X, W_x, W_h, b):
    h = np.zeros(X.shape[:-2] + (W_h.shape[1],))
    states = []
    for t in range(X.shape[-2]):
        h = np.tanh(np.matmul(X[..., t, :], W_x) + np.matmul(h, W_h) + b)
        states.append(h)
    return np.stack(states, axis=-2)
'''),
    ("rnn_forward_time_major_einsum", "rnn_forward", '''
def rnn_forward(X, W_x, W_h, b):
    A = np.moveaxis(np.einsum("...ti,ij->...tj", X, W_x) + b, -2, 0)   # (n, ..., d_h)
    out = np.zeros_like(A)
    prev = np.zeros_like(A[0])
    for t in range(A.shape[0]):
        prev = np.tanh(A[t] + np.einsum("...k,kj->...j", prev, W_h))
        out[t] = prev
    return np.moveaxis(out, 0, -2)
'''),
    # ------------------------------------------------------------------ rnn_backward
    ("rnn_backward_einsum_accumulate", "rnn_backward", '''
def rnn_backward(dH, X, H, W_x, W_h):
    n, d_in = X.shape[-2:]
    d_h = W_h.shape[0]
    dX = np.zeros(X.shape)
    dW_x, dW_h, db = np.zeros(W_x.shape), np.zeros(W_h.shape), np.zeros(d_h)
    carry = np.zeros(H.shape[:-2] + (d_h,))
    for t in reversed(range(n)):
        delta = (dH[..., t, :] + carry) * (1 - H[..., t, :] * H[..., t, :])
        dX[..., t, :] = np.einsum("...j,ij->...i", delta, W_x)
        rows = delta.reshape(-1, d_h)
        dW_x += np.einsum("bi,bj->ij", X[..., t, :].reshape(-1, d_in), rows)
        if t > 0:
            dW_h += np.einsum("bi,bj->ij", H[..., t - 1, :].reshape(-1, d_h), rows)
        db += rows.sum(axis=0)
        carry = np.einsum("...j,ij->...i", delta, W_h)
    return dX, dW_x, dW_h, db
'''),
    ("rnn_backward_flat_batch_loop", "rnn_backward", '''
def rnn_backward(dH, X, H, W_x, W_h):
    lead = X.shape[:-2]
    n, d_in = X.shape[-2:]
    d_h = W_h.shape[0]
    Xf, Hf, dHf = X.reshape(-1, n, d_in), H.reshape(-1, n, d_h), dH.reshape(-1, n, d_h)
    dXf = np.zeros(Xf.shape)
    dW_x, dW_h, db = np.zeros((d_in, d_h)), np.zeros((d_h, d_h)), np.zeros(d_h)
    for s in range(Xf.shape[0]):
        g = np.zeros(d_h)
        for t in range(n - 1, -1, -1):
            delta = (g + dHf[s, t]) * (1 - Hf[s, t] ** 2)
            dXf[s, t] = W_x @ delta
            dW_x += np.outer(Xf[s, t], delta)
            dW_h += np.outer(Hf[s, t - 1] if t else np.zeros(d_h), delta)
            db += delta
            g = W_h @ delta
    return dXf.reshape(lead + (n, d_in)), dW_x, dW_h, db
'''),
]
