"""SASRec, a self-attentive sequential recommender, as an evaluation baseline (torch, CPU).

Kang & McAuley, "Self-Attentive Sequential Recommendation", ICDM 2018. The model follows the paper: item
embeddings (shared with the prediction layer) plus learned positional embeddings, ``blocks`` causal
self-attention blocks (pre-layer-norm, residual, point-wise two-layer feed-forward), dropout, and binary
cross-entropy on every position with one sampled negative (an item the user never had in training).
Adam with learning rate 1e-3 and batch 128, hidden size 50, 2 blocks, 1 head, as in the paper.

Where this deviates from the paper's setup, and why:

- Sequence length and dropout are chosen from the data when left unset: the paper uses 200 and 0.2 on
  ML-1M (long histories) and 50 and 0.5 on the sparse Amazon and Steam data; here a mean training-history
  length of at least ``dense_history`` (50) items picks the first pair, anything shorter the second.
- Early stopping: the paper's code trains a fixed 201 epochs, measuring validation every 20. Here each
  user's last training item is held out as the validation target (the paper's protocol: training
  sequences never contain it), NDCG@10 is measured every ``eval_every`` epochs on ``validation_users``
  users (default: all), the best weights are kept, and training stops after ``patience`` measurements
  without improvement, after ``epochs`` (the paper's 200), or once ``time_budget_s`` seconds have passed,
  whichever comes first (the defaults fit about four minutes on amazon-office, 2,420 items and 4,905 users,
  on one thread of a busy two-core machine).
- Ranking: the paper ranks the held-out item against 100 sampled negatives; validation here and the
  evaluation harness rank the full catalog minus the user's training items, like every other method.
- Training is batched by similar sequence length and each batch trimmed to its longest sequence; positions
  count back from the latest item, which is what the paper's left-padded fixed-length rows encode, so the
  model is the same with less padding to compute.
- Test-time input is the user's whole training history (the validation item included), as in the paper.
- No L2 penalty on the embeddings (the paper's code has it at 0 for every reported data set).

torch is imported only when the method is built, so commands that do not select it never import torch.
"""

from __future__ import annotations

import copy
import time
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from ..errors import EvaluationError
from .methods import ScoringMethod
from .split import TrainingSet

if TYPE_CHECKING:  # pragma: no cover
    import torch

__all__ = ["SASRec", "SASRecConfig", "torch_missing"]


def torch_missing() -> str | None:
    """Why SASRec cannot run here (None when torch is installed); does not import torch."""
    import importlib.util

    if importlib.util.find_spec("torch") is None:
        return "SASRec needs torch (pip install torch)"
    return None


class SASRecConfig(BaseModel):
    """SASRec settings; the defaults are the paper's except where the module docstring says otherwise.

    Attributes:
        hidden: embedding and attention width. blocks: self-attention blocks. heads: attention heads.
        max_len: the most recent items a sequence keeps (None: 200 for long histories, else 50).
        dropout: dropout rate (None: 0.2 for long histories, else 0.5).
        dense_history: mean training-history length from which histories count as long.
        lr: Adam learning rate. batch_size: sequences per step.
        epochs: at most this many passes over the training sequences.
        eval_every: epochs between validation measurements. patience: measurements without improvement
            before stopping. time_budget_s: stop training after this many seconds (the best weights stay).
        validation_users: users sampled for the validation NDCG@10 (None: all; a sample is noisy on sparse data).
        seed: seeds torch and numpy, so a run is reproducible on the same machine and thread count (unless
            the time budget stops it: a busier machine then trains fewer epochs).
        threads: torch CPU threads. One by default: the model is small, and on a busy machine a second
            thread mostly waits for the first (several times slower on a loaded two-core VM).
    """

    model_config = ConfigDict(extra="forbid")
    hidden: int = Field(default=50, ge=1)
    blocks: int = Field(default=2, ge=1)
    heads: int = Field(default=1, ge=1)
    max_len: int | None = Field(default=None, ge=2)
    dropout: float | None = Field(default=None, ge=0, lt=1)
    dense_history: float = Field(default=50.0, gt=0)
    lr: float = Field(default=1e-3, gt=0)
    batch_size: int = Field(default=128, ge=1)
    epochs: int = Field(default=200, ge=1)
    eval_every: int = Field(default=5, ge=1)
    patience: int = Field(default=8, ge=1)
    time_budget_s: float = Field(default=240.0, gt=0)
    validation_users: int | None = Field(default=None, ge=1)
    seed: int = 0
    threads: int = Field(default=1, ge=1)


def _build_model(n_items: int, hidden: int, blocks: int, heads: int, max_len: int, dropout: float) -> Any:
    import torch
    from torch import nn

    if hidden % heads:
        raise EvaluationError(f"SASRec: hidden ({hidden}) must be a multiple of heads ({heads}).")

    class _Block(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.attn_norm = nn.LayerNorm(hidden, eps=1e-8)
            self.attn = nn.MultiheadAttention(hidden, heads, dropout=dropout, batch_first=True)
            self.ffn_norm = nn.LayerNorm(hidden, eps=1e-8)
            self.ffn = nn.Sequential(
                nn.Linear(hidden, hidden),
                nn.ReLU(),
                nn.Dropout(dropout),
                nn.Linear(hidden, hidden),
                nn.Dropout(dropout),
            )

        def forward(self, x: torch.Tensor, causal: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
            q = self.attn_norm(x)
            attended, _ = self.attn(q, x, x, attn_mask=causal, need_weights=False)
            x = q + attended
            x = self.ffn_norm(x)
            x = x + self.ffn(x)
            return x * keep

    class _SASRec(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            # Index 0 pads; item i of the catalog is row i + 1.
            self.items = nn.Embedding(n_items + 1, hidden, padding_idx=0)
            self.positions = nn.Embedding(max_len, hidden)
            self.dropout = nn.Dropout(dropout)
            self.blocks = nn.ModuleList(_Block() for _ in range(blocks))
            self.norm = nn.LayerNorm(hidden, eps=1e-8)
            # True above the diagonal: position t attends to positions <= t only.
            self.causal: torch.Tensor
            self.register_buffer("causal", ~torch.tril(torch.ones(max_len, max_len, dtype=torch.bool)))
            # Glorot-normal weights, as the paper's code initialises every matrix (torch's default N(0, 1)
            # embeddings give huge initial logits and train far more slowly).
            for name, weight in self.named_parameters():
                if weight.dim() > 1 and "norm" not in name:
                    nn.init.xavier_normal_(weight)
            with torch.no_grad():
                self.items.weight[0].zero_()

        def forward(self, seqs: torch.Tensor) -> torch.Tensor:
            """Hidden state per position (batch x max_len x hidden) for left-padded sequences."""
            length = seqs.shape[1]
            # Positions count back from the most recent item (row 0), so a batch trimmed to its longest
            # sequence gives every item the same position as in a full-length row.
            x = self.items(seqs) * hidden**0.5 + self.positions.weight[:length].flip(0)
            keep = (seqs != 0).unsqueeze(-1)
            x = self.dropout(x) * keep
            causal = self.causal[:length, :length]
            for block in self.blocks:
                x = block(x, causal, keep)
            return self.norm(x)

    return _SASRec()


class SASRec(ScoringMethod):
    """SASRec (Kang & McAuley, ICDM 2018): next-item prediction from the user's training sequence."""

    name = "sasrec"
    batch_size = 256

    def __init__(self, config: SASRecConfig | None = None, training_log: dict[str, Any] | None = None) -> None:
        self.config = config or SASRecConfig()
        #: What training did (epochs run, seconds, best validation NDCG@10, why it stopped); filled by `fit`
        #: in the dict passed in, so a report can carry it.
        self.training_log: dict[str, Any] = training_log if training_log is not None else {}

    def _settings(self, training: TrainingSet) -> tuple[int, float]:
        lengths = [len(h) for h in training.histories.values()]
        dense = bool(lengths) and float(np.mean(lengths)) >= self.config.dense_history
        max_len = self.config.max_len or (200 if dense else 50)
        dropout = self.config.dropout if self.config.dropout is not None else (0.2 if dense else 0.5)
        return max_len, dropout

    def fit(self, training: TrainingSet) -> SASRec:
        import torch

        cfg = self.config
        started = time.perf_counter()
        threads_before = torch.get_num_threads()
        torch.set_num_threads(cfg.threads)
        try:
            torch.manual_seed(cfg.seed)
            rng = np.random.default_rng(cfg.seed)
            self.max_len, self.dropout = self._settings(training)
            model = _build_model(training.n_items, cfg.hidden, cfg.blocks, cfg.heads, self.max_len, self.dropout)
            self._train(model, training, rng, started)
        finally:
            torch.set_num_threads(threads_before)
        self.model = model.eval()
        self.training = training
        return self

    def _pad(self, sequences: list[list[int]]) -> np.ndarray:
        """Left-padded rows of the last ``max_len`` items, shifted by one (0 pads)."""
        out = np.zeros((len(sequences), self.max_len), dtype=np.int64)
        for n, seq in enumerate(sequences):
            tail = seq[-self.max_len :]
            if tail:
                out[n, -len(tail) :] = np.asarray(tail, dtype=np.int64) + 1
        return out

    def _train(self, model: Any, training: TrainingSet, rng: np.random.Generator, started: float) -> None:
        import torch

        cfg = self.config
        users = list(training.user_ids)
        # Every user's last training item is the validation target; its earlier items train.
        sequences = {u: training.histories[u][:-1] for u in users}
        trainable = [u for u in users if len(sequences[u]) >= 2]
        if not trainable:
            raise EvaluationError("SASRec needs users with at least three training items; this training set has none.")
        candidates = [u for u in users if len(training.histories[u]) >= 2]
        if cfg.validation_users is not None and len(candidates) > cfg.validation_users:
            picked = rng.choice(len(candidates), size=cfg.validation_users, replace=False)
            candidates = [candidates[i] for i in sorted(picked)]
        # Inputs and targets: sequence[:-1] predicts sequence[1:], position by position.
        window = [sequences[u][-(self.max_len + 1) :] for u in trainable]
        inputs = self._pad([s[:-1] for s in window])
        targets = self._pad([s[1:] for s in window])
        rows = np.array([training.user_row[u] for u in trainable], dtype=np.int64)
        lengths = (inputs != 0).sum(axis=1)
        optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr, betas=(0.9, 0.98))
        loss_fn = torch.nn.BCEWithLogitsLoss(reduction="sum")
        best_ndcg, best_state, best_epoch, waited = -1.0, None, 0, 0
        stopped, epoch = "epochs", 0
        curve: list[list[float]] = []
        for epoch in range(1, cfg.epochs + 1):
            model.train()
            for batch in _batches(lengths, cfg.batch_size, rng):
                width = int(lengths[batch].max())
                pos = torch.from_numpy(targets[batch, -width:])
                neg = torch.from_numpy(self._negatives(training, rows[batch], targets[batch, -width:], rng))
                hidden = model(torch.from_numpy(inputs[batch, -width:]))
                pos_logits = (hidden * model.items(pos)).sum(-1)
                neg_logits = (hidden * model.items(neg)).sum(-1)
                real = pos != 0
                loss = loss_fn(pos_logits[real], torch.ones_like(pos_logits[real]))
                loss = loss + loss_fn(neg_logits[real], torch.zeros_like(neg_logits[real]))
                optimizer.zero_grad()
                (loss / real.sum().clamp(min=1)).backward()
                optimizer.step()
            out_of_time = time.perf_counter() - started > cfg.time_budget_s
            if epoch % cfg.eval_every and epoch != cfg.epochs and not out_of_time:
                continue
            ndcg = self._validation_ndcg(model, training, candidates)
            curve.append([epoch, round(ndcg, 4)])
            if ndcg > best_ndcg:
                best_ndcg, best_state, best_epoch, waited = ndcg, copy.deepcopy(model.state_dict()), epoch, 0
            else:
                waited += 1
            if out_of_time:
                stopped = "time budget"
                break
            if waited >= cfg.patience:
                stopped = "patience"
                break
        if best_state is not None:
            model.load_state_dict(best_state)
        self.training_log.update(
            {
                "epochs": epoch,
                "best_epoch": best_epoch,
                "validation_ndcg@10": round(best_ndcg, 4),
                "validation_users": len(candidates),
                "stopped_by": stopped,
                "max_len": self.max_len,
                "dropout": self.dropout,
                "seconds": round(time.perf_counter() - started, 1),
                "validation_curve": curve,
            }
        )

    def _negatives(
        self, training: TrainingSet, rows: np.ndarray, targets: np.ndarray, rng: np.random.Generator
    ) -> np.ndarray:
        """One random item per position that the user does not have in training (shifted by one)."""
        seen = training.matrix[rows].toarray() > 0
        neg = rng.integers(0, training.n_items, size=targets.shape)
        for _ in range(20):
            clash = seen[np.arange(len(rows))[:, None], neg]
            if not clash.any():
                break
            neg[clash] = rng.integers(0, training.n_items, size=int(clash.sum()))
        return neg + 1

    def _hidden_last(self, model: Any, sequences: list[list[int]]) -> Any:
        import torch

        with torch.no_grad():
            return model(torch.from_numpy(_trim(self._pad(sequences))))[:, -1, :]

    def _validation_ndcg(self, model: Any, training: TrainingSet, users: list[str]) -> float:
        """Mean NDCG@10 of each user's last training item, ranked from the items before it."""
        import torch

        model.eval()
        total = 0.0
        with torch.no_grad():
            weights = model.items.weight[1:]
            for start in range(0, len(users), 512):
                batch = users[start : start + 512]
                prefixes = [training.histories[u][:-1] for u in batch]
                scores = (self._hidden_last(model, prefixes) @ weights.T).numpy()
                for n, prefix in enumerate(prefixes):
                    scores[n, prefix] = -np.inf
                target = np.array([training.histories[u][-1] for u in batch])
                target_scores = scores[np.arange(len(batch)), target]
                rank = (scores > target_scores[:, None]).sum(axis=1)
                total += float(np.sum(np.where(rank < 10, 1.0 / np.log2(rank + 2), 0.0)))
        return total / len(users) if users else 0.0

    def score_users(self, rows: np.ndarray) -> np.ndarray:
        training = self._trained()
        import torch

        sequences = [training.histories[training.user_ids[r]] for r in rows]
        threads_before = torch.get_num_threads()
        torch.set_num_threads(self.config.threads)
        try:
            with torch.no_grad():
                hidden = self._hidden_last(self.model, sequences)
                return (hidden @ self.model.items.weight[1:].T).double().numpy()
        finally:
            torch.set_num_threads(threads_before)


def _trim(rows: np.ndarray) -> np.ndarray:
    """Drop the leading columns that only pad (the model's positions count from the end, so nothing changes)."""
    used = np.flatnonzero((rows != 0).any(axis=0))
    return rows[:, used[0] :] if len(used) else rows[:, -1:]


def _batches(lengths: np.ndarray, size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Random batches of sequences of similar length (shuffled, sorted by length in windows of 16 batches,
    batch order shuffled), so trimming each batch to its longest sequence saves most of the padding."""
    order = rng.permutation(len(lengths))
    batches = []
    window = size * 16
    for start in range(0, len(order), window):
        chunk = order[start : start + window]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        batches += [chunk[i : i + size] for i in range(0, len(chunk), size)]
    return [batches[i] for i in rng.permutation(len(batches))]
