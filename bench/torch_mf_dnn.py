#!/usr/bin/python3
"""The PyTorch twin of `sluice_bench mf_dnn` and bench/tf_anchor.py's mf_dnn_epoch (the team's
../shared/bench/torch_anchor.py has the other workloads): one epoch of a smaller form of
examples/mf_recsys's dnn model on 100k synthetic ratings of 671 users and 9125 movies, each movie
with 20 random genres (each with probability 0.1) and a year in [0, 1), each user's history the
movies of their ratings, mean-pooled (nn.EmbeddingBag, mode "mean": embedding_lookup_sparse's
mean combiner). [user emb, history, movie emb, genres, year] -> linear 64 relu -> dropout 0.2 ->
linear 32 relu -> dropout 0.2 -> linear 1, plus (user emb + history) . movie emb + b_u + b_m +
b_global; dim 16, embeddings normal (stddev 0.1), linear weights Glorot uniform and biases 0 (as
TF's dense), loss MSE + 0.01 * 0.5 * (|u|^2 + |m|^2 + |history|^2) / 128, Adam 1e-3, batch 128 in
data order. The batches are made before the clock starts, as in the other two.

Usage: torch_mf_dnn.py DATA_DIR (unused; the anchors' calling convention) [mf_dnn];
prints 'mf_dnn_epoch_s value s'."""
import sys, time, torch

torch.set_num_threads(2)
torch.manual_seed(0)


def mf_dnn_epoch(_):
    n, n_users, n_movies, n_genres, dim = 100000, 671, 9125, 20, 16
    g = torch.Generator().manual_seed(0)
    users = torch.randint(0, n_users, (n,), generator=g)
    movies = torch.randint(0, n_movies, (n,), generator=g)
    ratings = torch.randint(1, 11, (n,), generator=g).float() / 2
    genres = (torch.rand(n_movies, n_genres, generator=g) < 0.1).float()
    years = torch.rand(n_movies, 1, generator=g)
    history = [[] for _ in range(n_users)]
    for user, movie in zip(users.tolist(), movies.tolist()):
        history[user].append(movie)
    batches = []
    for i in range(0, n, 128):
        bu = users[i:i + 128]
        lists = [history[x] for x in bu.tolist()]
        offsets = torch.tensor([0] + [len(h) for h in lists[:-1]]).cumsum(0)
        ids = torch.tensor([m for h in lists for m in h])
        batches.append((bu, movies[i:i + 128], ratings[i:i + 128], ids, offsets))

    def embedding(rows, cols):
        e = torch.nn.Embedding(rows, cols)
        torch.nn.init.normal_(e.weight, std=0.1)
        return e

    def linear(fan_in, fan_out):
        layer = torch.nn.Linear(fan_in, fan_out)
        torch.nn.init.xavier_uniform_(layer.weight)
        torch.nn.init.zeros_(layer.bias)
        return layer

    U, M = embedding(n_users, dim), embedding(n_movies, dim)
    H = torch.nn.EmbeddingBag(n_movies, dim, mode="mean")
    torch.nn.init.normal_(H.weight, std=0.1)
    b_user, b_movie = torch.nn.Embedding(n_users, 1), torch.nn.Embedding(n_movies, 1)
    torch.nn.init.zeros_(b_user.weight)
    torch.nn.init.zeros_(b_movie.weight)
    b_global = torch.nn.Parameter(torch.zeros(1))
    mlp = torch.nn.Sequential(linear(3 * dim + n_genres + 1, 64), torch.nn.ReLU(), torch.nn.Dropout(0.2),
                              linear(64, 32), torch.nn.ReLU(), torch.nn.Dropout(0.2), linear(32, 1))
    modules = [U, M, H, b_user, b_movie, mlp]
    params = [p for module in modules for p in module.parameters()] + [b_global]
    opt = torch.optim.Adam(params, lr=1e-3)

    def loss_of(u, m, r, ids, offsets):
        ue, me, hist = U(u), M(m), H(ids, offsets)
        x = torch.cat([ue, hist, me, genres[m], years[m]], 1)
        pred = (mlp(x).squeeze(1) + ((ue + hist) * me).sum(1) + b_user(u).squeeze(1) + b_movie(m).squeeze(1)
                + b_global)
        return ((pred - r) ** 2).mean() + 0.01 * 0.5 * ((ue ** 2).sum() + (me ** 2).sum() + (hist ** 2).sum()) / 128

    t = time.perf_counter()
    for batch in batches:
        loss = loss_of(*batch)
        opt.zero_grad()
        loss.backward()
        opt.step()
    dt = time.perf_counter() - t
    with torch.no_grad():
        last = loss_of(*batches[-1]).item()
    print(f"mf_dnn_epoch_s {dt:.3f} s  (last batch loss {last:.3f})")


W = dict(mf_dnn=mf_dnn_epoch)
if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    for name in sys.argv[2:] or W:
        W[name](sys.argv[1])
