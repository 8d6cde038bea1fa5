#!/usr/bin/python3
"""PyTorch eager training bench/transformer.net's network, the peer of `netc bench` on it.

The same model written in PyTorch: token and position embeddings, pre-norm blocks of nn.MultiheadAttention
(batch_first, causal mask) and a GELU MLP with dropout 0.1, a final layer norm and a linear head; AdamW with
clip_grad_norm_ as the train block sets them. Random windows of characters, batch and window length as netc's.

  transformer_peer.py THREADS [BATCH] [SEQ] [SECONDS] [WIDTH] [DROPOUT]   -> {"samples_per_s": ...} (its faster
  thread split); the defaults are bench/transformer.net's (32, 64, 10, 128, 0.1); `THREADS 32 32 10 32 0.2` is
  models/char_transformer.net's.
"""
import json, os, sys

from peer_split import best_split, samples_per_s


def main(threads, batch, seq, seconds, d=128, dropout=0.1):
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", threads)))
    torch.manual_seed(0)
    heads, vocab, most, layers = 4, 96, 128, 4

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
            self.att = nn.MultiheadAttention(d, heads, batch_first=True)
            self.fc, self.proj = nn.Linear(d, 4 * d), nn.Linear(4 * d, d)
            self.drop = nn.Dropout(dropout)

        def forward(self, h, mask):
            x = self.ln1(h)
            h = h + self.drop(self.att(x, x, x, attn_mask=mask, need_weights=False)[0])
            return h + self.drop(self.proj(F.gelu(self.fc(self.ln2(h)))))

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(vocab, d)
            self.pos = nn.Parameter(torch.randn(most, d) * 0.02)
            self.blocks = nn.ModuleList(Block() for _ in range(layers))
            self.ln_f, self.head = nn.LayerNorm(d), nn.Linear(d, vocab)
            self.drop = nn.Dropout(dropout)

        def forward(self, tok):
            s = tok.shape[1]
            mask = torch.triu(torch.full((s, s), float("-inf")), 1)
            h = self.drop(self.emb(tok) + self.pos[:s])
            for b in self.blocks:
                h = b(h, mask)
            return self.head(self.ln_f(h))

    model = Net()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.1)
    tok = torch.randint(0, vocab, (batch, seq))
    nxt = torch.randint(0, vocab, (batch, seq))
    model.train()

    def step():
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(model(tok).reshape(-1, vocab), nxt.reshape(-1)).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()

    print(json.dumps({"threads": threads, "batch": batch, "seq": seq,
                      "samples_per_s": samples_per_s(step, batch, seconds, 5), "torch": torch.__version__}))


def run(threads, batch=32, seq=64, seconds=10.0, d=128, dropout=0.1):
    """Both thread splits (intra-op threads or BLAS threads, see peer_split.py); the faster."""
    return best_split(__file__, threads, [batch, seq, seconds, d, dropout])


if __name__ == "__main__":
    if sys.argv[1] == "--child":
        main(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6]), float(sys.argv[7]))
    else:
        a = sys.argv[1:]
        kinds = [int, int, int, float, int, float]
        print(json.dumps(run(*(kind(x) for kind, x in zip(kinds, a)))))
