"""Plausible mistakes and alternative correct solutions for lesson 02 (graded through the real autograder)."""

# Each WRONG entry: (name, function, why, source). `source` replaces the whole solution
# cell whose grade_id is `function`; the autograder must take points off the test
# cells of that function (test_<function>*).
WRONG = [
    # ------------------------------------------------------------ sample_dot_products
    ("sample_global_np_random", "sample_dot_products",
     "draws from numpy's global state (np.random.randn): the same seed no longer gives the same result", '''
def sample_dot_products(d_k, n_samples, rng):
    q = np.random.randn(n_samples, d_k)
    k = np.random.randn(n_samples, d_k)
    return np.sum(q * k, axis=1)
'''),
    ("sample_fixed_seed_inside", "sample_dot_products",
     "ignores rng and seeds its own generator: different seeds give identical samples", '''
def sample_dot_products(d_k, n_samples, rng):
    rng = np.random.default_rng(0)
    q = rng.standard_normal((n_samples, d_k))
    k = rng.standard_normal((n_samples, d_k))
    return np.sum(q * k, axis=1)
'''),
    ("sample_global_seed_from_rng", "sample_dot_products",
     "seeds np.random's global state from rng and draws from it: deterministic, but changes global state",
     '''
def sample_dot_products(d_k, n_samples, rng):
    np.random.seed(int(rng.integers(2**31)))
    q = np.random.normal(size=(n_samples, d_k))
    k = np.random.normal(size=(n_samples, d_k))
    return (q * k).sum(axis=-1)
'''),
    ("sample_same_q_for_all_samples", "sample_dot_products",
     "one q reused for every sample: the samples are N(0, |q|^2), not the distribution of q . k", '''
def sample_dot_products(d_k, n_samples, rng):
    q = rng.standard_normal(d_k)
    k = rng.standard_normal((n_samples, d_k))
    return k @ q
'''),
    ("sample_elementwise_without_sum", "sample_dot_products",
     "returns the products q_i k_i instead of their sum: shape (n_samples, d_k)", '''
def sample_dot_products(d_k, n_samples, rng):
    q = rng.standard_normal((n_samples, d_k))
    k = rng.standard_normal((n_samples, d_k))
    return q * k
'''),
    ("sample_uniform_0_1", "sample_dot_products",
     "rng.random draws uniform numbers in [0, 1): mean d_k / 4, not 0", '''
def sample_dot_products(d_k, n_samples, rng):
    q = rng.random((n_samples, d_k))
    k = rng.random((n_samples, d_k))
    return np.sum(q * k, axis=1)
'''),
    ("sample_uniform_unit_variance", "sample_dot_products",
     "uniform components with variance 1: right mean and variance, wrong distribution (contract: normal)",
     '''
def sample_dot_products(d_k, n_samples, rng):
    a = np.sqrt(3.0)
    q = rng.uniform(-a, a, size=(n_samples, d_k))
    k = rng.uniform(-a, a, size=(n_samples, d_k))
    return np.sum(q * k, axis=1)
'''),
    ("sample_already_scaled", "sample_dot_products",
     "divides by sqrt(d_k): variance 1 instead of d_k", '''
def sample_dot_products(d_k, n_samples, rng):
    q = rng.standard_normal((n_samples, d_k))
    k = rng.standard_normal((n_samples, d_k))
    return np.sum(q * k, axis=1) / np.sqrt(d_k)
'''),
    ("sample_k_equals_q", "sample_dot_products",
     "scores q against itself: mean d_k instead of 0", '''
def sample_dot_products(d_k, n_samples, rng):
    q = rng.standard_normal((n_samples, d_k))
    return np.sum(q * q, axis=1)
'''),
    ("sample_sum_over_samples_axis", "sample_dot_products",
     "draws (d_k, n_samples) but sums over the last axis: shape (d_k,)", '''
def sample_dot_products(d_k, n_samples, rng):
    q = rng.standard_normal((d_k, n_samples))
    k = rng.standard_normal((d_k, n_samples))
    return np.sum(q * k, axis=-1)
'''),
    ("sample_unseeded_default_rng", "sample_dot_products",
     "creates a fresh unseeded generator: not reproducible", '''
def sample_dot_products(d_k, n_samples, rng):
    gen = np.random.default_rng()
    return np.einsum("nd,nd->n", gen.standard_normal((n_samples, d_k)), gen.standard_normal((n_samples, d_k)))
'''),
    ("sample_keys_permuted_queries", "sample_dot_products",
     ("k = rng.permutation(q): every k is another sample's q (right marginal distribution, but the samples are "
      "dependent, and with n_samples = 1 it is q . q)"), '''
def sample_dot_products(d_k, n_samples, rng):
    q = rng.standard_normal((n_samples, d_k))
    k = rng.permutation(q)
    return np.sum(q * k, axis=-1)
'''),

    # ------------------------------------------------------------ predicted_mean_and_variance
    ("predicted_std_instead_of_variance", "predicted_mean_and_variance",
     "treats var_q, var_k as standard deviations squared again: d_k * sqrt(var_q * var_k)", '''
def predicted_mean_and_variance(d_k, var_q=1.0, var_k=1.0):
    return 0.0, float(d_k * np.sqrt(var_q * var_k))
'''),
    ("predicted_d_k_squared", "predicted_mean_and_variance",
     "variance d_k**2 * var_q * var_k", '''
def predicted_mean_and_variance(d_k, var_q=1.0, var_k=1.0):
    return 0.0, float(d_k**2 * var_q * var_k)
'''),
    ("predicted_sqrt_d_k", "predicted_mean_and_variance",
     "variance sqrt(d_k) * var_q * var_k (confuses variance and standard deviation)", '''
def predicted_mean_and_variance(d_k, var_q=1.0, var_k=1.0):
    return 0.0, float(np.sqrt(d_k) * var_q * var_k)
'''),
    ("predicted_sum_of_variances", "predicted_mean_and_variance",
     "adds the variances instead of multiplying them", '''
def predicted_mean_and_variance(d_k, var_q=1.0, var_k=1.0):
    return 0.0, float(d_k * (var_q + var_k))
'''),
    ("predicted_ignores_var_arguments", "predicted_mean_and_variance",
     "returns d_k whatever var_q and var_k are", '''
def predicted_mean_and_variance(d_k, var_q=1.0, var_k=1.0):
    return 0.0, float(d_k)
'''),
    ("predicted_returns_int_mean", "predicted_mean_and_variance",
     "returns the int 0 as the mean (the contract asks for floats)", '''
def predicted_mean_and_variance(d_k, var_q=1.0, var_k=1.0):
    return 0, d_k * var_q * var_k
'''),
    ("predicted_returns_ints", "predicted_mean_and_variance",
     "returns ints", '''
def predicted_mean_and_variance(d_k, var_q=1.0, var_k=1.0):
    return int(0), int(d_k * var_q * var_k)
'''),

    # ------------------------------------------------------------ scaled_scores
    ("scaled_divides_by_d_k", "scaled_scores",
     "divides by d_k instead of sqrt(d_k)", '''
def scaled_scores(Q, K):
    return Q @ np.swapaxes(K, -1, -2) / Q.shape[-1]
'''),
    ("scaled_divides_by_sqrt_n_k", "scaled_scores",
     "takes d_k from the number of keys", '''
def scaled_scores(Q, K):
    return Q @ np.swapaxes(K, -1, -2) / np.sqrt(K.shape[-2])
'''),
    ("scaled_K_T_breaks_batch", "scaled_scores",
     "K.T reverses every axis: fine in 2-D, wrong with batch dimensions", '''
def scaled_scores(Q, K):
    return Q @ K.T / np.sqrt(Q.shape[-1])
'''),
    ("scaled_np_dot_batch", "scaled_scores",
     "np.dot does not broadcast batch dimensions", '''
def scaled_scores(Q, K):
    return np.dot(Q, np.swapaxes(K, -1, -2)) / np.sqrt(Q.shape[-1])
'''),
    ("scaled_not_scaled", "scaled_scores",
     "forgets the scaling", '''
def scaled_scores(Q, K):
    return Q @ np.swapaxes(K, -1, -2)
'''),
    ("scaled_modifies_Q_in_place", "scaled_scores",
     "divides Q in place: the caller's array changes", '''
def scaled_scores(Q, K):
    Q /= np.sqrt(Q.shape[-1])
    return Q @ np.swapaxes(K, -1, -2)
'''),
    ("scaled_keys_by_queries", "scaled_scores",
     "computes K Q^T: shape (..., n_k, n_q)", '''
def scaled_scores(Q, K):
    return K @ np.swapaxes(Q, -1, -2) / np.sqrt(Q.shape[-1])
'''),
    ("scaled_d_k_from_first_axis", "scaled_scores",
     "reads d_k from Q.shape[1], which is n_q when there is a batch dimension", '''
def scaled_scores(Q, K):
    return Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[1])
'''),

    # ------------------------------------------------------------ self_dot_moments
    ("self_independent_case", "self_dot_moments",
     "returns the moments of q . k for independent q, k: (0, d_k)", '''
def self_dot_moments(d_k):
    return 0.0, float(d_k)
'''),
    ("self_variance_d_k", "self_dot_moments",
     "mean right, variance d_k (Var(q_i^2) taken as 1)", '''
def self_dot_moments(d_k):
    return float(d_k), float(d_k)
'''),
    ("self_uncentred_fourth_moment", "self_dot_moments",
     "uses E[q_i^4] = 3 as the variance of q_i^2", '''
def self_dot_moments(d_k):
    return float(d_k), float(3 * d_k)
'''),
    ("self_variance_d_k_squared", "self_dot_moments",
     "variance 2 d_k**2", '''
def self_dot_moments(d_k):
    return float(d_k), float(2 * d_k**2)
'''),
    ("self_variance_2_sqrt_d_k", "self_dot_moments",
     "variance 2 sqrt(d_k): at d_k = 4 it equals d_k", '''
def self_dot_moments(d_k):
    return float(d_k), float(2 * np.sqrt(d_k))
'''),
    ("self_returns_ints", "self_dot_moments",
     "returns ints", '''
def self_dot_moments(d_k):
    return d_k, 2 * d_k
'''),

    # ------------------------------------------------------------ questions
    ("q1_standard_deviations", "answer_predicted_variance",
     "multiplies the standard deviations: 16 * 2 * 3", '''
answer_predicted_variance = 16 * 2 * 3
'''),
    ("q1_scaled_variance", "answer_predicted_variance",
     "gives the variance after the 1/sqrt(d_k) scaling", '''
answer_predicted_variance = 2**2 * 3**2
'''),
    ("q1_d_k_squared", "answer_predicted_variance",
     "d_k**2 instead of d_k", '''
answer_predicted_variance = 16**2 * 2**2 * 3**2
'''),
    ("q1_ignores_sigmas", "answer_predicted_variance",
     "answers d_k", '''
answer_predicted_variance = 16
'''),
    ("q1_as_string", "answer_predicted_variance",
     "a string, not a number", '''
answer_predicted_variance = "576"
'''),
    ("q2_stays_one", "answer_diagonal_growth",
     "believes the scaling normalises the diagonal too", '''
answer_diagonal_growth = "b"
'''),
    ("q2_stays_zero", "answer_diagonal_growth",
     "treats q . q like q . k", '''
answer_diagonal_growth = "a"
'''),
    ("q2_grows_like_d_k", "answer_diagonal_growth",
     "forgets the scaling", '''
answer_diagonal_growth = "d"
'''),
]

# Each RIGHT entry: (name, function, source): a correct implementation written
# differently from the solution; it must get full marks.
RIGHT = [
    # ------------------------------------------------------------ sample_dot_products
    ("sample_einsum_rng_normal", "sample_dot_products", '''
def sample_dot_products(d_k, n_samples, rng):
    q = rng.normal(size=(n_samples, d_k))
    k = rng.normal(loc=0.0, scale=1.0, size=(n_samples, d_k))
    return np.einsum("nd,nd->n", q, k)
'''),
    ("sample_python_loop", "sample_dot_products", '''
def sample_dot_products(d_k, n_samples, rng):
    out = np.empty(n_samples)
    for s in range(n_samples):
        q = rng.standard_normal(d_k)
        k = rng.standard_normal(d_k)
        out[s] = np.dot(q, k)
    return out
'''),
    ("sample_one_draw_transposed_layout", "sample_dot_products", '''
def sample_dot_products(d_k, n_samples, rng):
    qk = rng.standard_normal((2, d_k, n_samples))
    return (qk[0] * qk[1]).sum(axis=0)
'''),
    ("sample_child_generator", "sample_dot_products", '''
def sample_dot_products(d_k, n_samples, rng):
    child = np.random.default_rng(rng.integers(2**63))
    pairs = child.standard_normal((n_samples, 2, d_k))
    return np.sum(pairs[:, 0, :] * pairs[:, 1, :], axis=-1)
'''),
    ("sample_spawned_child_generator", "sample_dot_products", '''
def sample_dot_products(d_k, n_samples, rng):
    (child,) = rng.spawn(1)
    q = child.standard_normal((n_samples, d_k))
    k = child.standard_normal((n_samples, d_k))
    return np.einsum("nd,nd->n", q, k)
'''),
    ("sample_float32_draws", "sample_dot_products", '''
def sample_dot_products(d_k, n_samples, rng):
    q = rng.standard_normal((n_samples, d_k), dtype=np.float32)
    k = rng.standard_normal((n_samples, d_k), dtype=np.float32)
    return (q * k).sum(axis=1, dtype=np.float64)
'''),

    # ------------------------------------------------------------ predicted_mean_and_variance
    ("predicted_term_by_term", "predicted_mean_and_variance", '''
def predicted_mean_and_variance(d_k, var_q=1.0, var_k=1.0):
    mean = 0.0
    variance = 0.0
    for _ in range(d_k):
        mean += 0.0
        variance += var_q * var_k
    return float(mean), float(variance)
'''),
    ("predicted_numpy_floats", "predicted_mean_and_variance", '''
def predicted_mean_and_variance(d_k, var_q=1.0, var_k=1.0):
    return np.float64(0.0), np.float64(d_k) * np.float64(var_q) * np.float64(var_k)
'''),
    ("predicted_via_second_moments", "predicted_mean_and_variance", '''
def predicted_mean_and_variance(d_k, var_q=1.0, var_k=1.0):
    mu_q = mu_k = 0.0
    second_q, second_k = var_q + mu_q**2, var_k + mu_k**2
    return float(d_k * mu_q * mu_k), float(d_k * (second_q * second_k - (mu_q * mu_k) ** 2))
'''),

    # ------------------------------------------------------------ scaled_scores
    ("scaled_einsum", "scaled_scores", '''
def scaled_scores(Q, K):
    return np.einsum("...qd,...kd->...qk", Q, K) / np.sqrt(Q.shape[-1])
'''),
    ("scaled_prescale_queries", "scaled_scores", '''
def scaled_scores(Q, K):
    Qs = Q / np.sqrt(Q.shape[-1])
    return Qs @ K.mT
'''),
    ("scaled_both_sides_quarter_power", "scaled_scores", '''
def scaled_scores(Q, K):
    c = Q.shape[-1] ** -0.25
    return np.matmul(Q * c, np.moveaxis(K * c, -1, -2))
'''),
    ("scaled_transpose_axes_tuple", "scaled_scores", '''
def scaled_scores(Q, K):
    axes = tuple(range(K.ndim - 2)) + (K.ndim - 1, K.ndim - 2)
    return np.matmul(Q, K.transpose(axes)) * (1.0 / np.sqrt(K.shape[-1]))
'''),
    ("scaled_loop_over_batch", "scaled_scores", '''
def scaled_scores(Q, K):
    batch = Q.shape[:-2]
    out = np.empty(batch + (Q.shape[-2], K.shape[-2]), dtype=np.result_type(Q, K, 1.0))
    for b in np.ndindex(*batch):
        out[b] = Q[b] @ K[b].T / np.sqrt(Q.shape[-1])
    return out
'''),

    # ------------------------------------------------------------ self_dot_moments
    ("self_from_fourth_moment", "self_dot_moments", '''
def self_dot_moments(d_k):
    second = 1.0
    fourth = 3.0
    return d_k * second, d_k * (fourth - second**2)
'''),
    ("self_numpy_floats", "self_dot_moments", '''
def self_dot_moments(d_k):
    return np.float64(d_k), np.float64(2.0) * d_k
'''),

    # ------------------------------------------------------------ questions
    ("q1_literal", "answer_predicted_variance", '''
answer_predicted_variance = 576.0
'''),
    ("q1_with_names", "answer_predicted_variance", '''
d_k, sigma_q, sigma_k = 16, 2.0, 3.0
answer_predicted_variance = d_k * sigma_q**2 * sigma_k**2
'''),
    ("q1_numpy_integer", "answer_predicted_variance", '''
answer_predicted_variance = np.int64(576)
'''),
    ("q2_upper_case", "answer_diagonal_growth", '''
answer_diagonal_growth = "C"
'''),
    ("q2_with_spaces", "answer_diagonal_growth", '''
answer_diagonal_growth = " c "
'''),
]
