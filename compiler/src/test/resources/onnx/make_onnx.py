"""ONNX exports of PyTorch models, with inputs and PyTorch's outputs, for the importer's tests.

Run where PyTorch is installed (Debian: apt-get install python3-torch, then /usr/bin/python3):
    python3 make_onnx.py [OUTDIR]      (default: this folder)
For each NAME it writes NAME.onnx (torch.onnx.export, the TorchScript exporter at opset 14, the batch dimension and
any sequence dimension dynamic), NAME.inputs.safetensors (one tensor per graph input, under its sanitised name) and
NAME.expect.safetensors (the model's outputs in evaluation mode, under the graph outputs' sanitised names):
`netc import NAME.onnx -o NAME.net` then `netc run NAME.net --inputs ... --weights NAME.safetensors` reproduces them.
"""
import os, re, sys
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures"))
from safetensors_io import save_file

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
OPSET = 14
torch.manual_seed(5)
KEYWORDS = {"model", "input", "param", "const", "output", "loss", "def", "train", "float", "int", "true", "false"}


def sanitise(name):
    s = re.sub(r"[^A-Za-z0-9_]", "_", name)
    return "_" + s if not s or s[0].isdigit() or s in KEYWORDS else s


def export(name, model, inputs, input_names, output_names, dynamic, training=torch.onnx.TrainingMode.EVAL):
    model.eval()
    with torch.no_grad():
        outs = model(*inputs)
    outs = outs if isinstance(outs, tuple) else (outs,)
    torch.onnx.export(model, tuple(inputs), f"{OUT}/{name}.onnx", input_names=input_names, output_names=output_names,
                      dynamic_axes=dynamic, opset_version=OPSET, training=training)
    save_file({sanitise(k): v for k, v in zip(input_names, inputs)}, f"{OUT}/{name}.inputs.safetensors")
    save_file({sanitise(k): v for k, v in zip(output_names, outs)}, f"{OUT}/{name}.expect.safetensors")


def batch(*names):
    return {n: {0: "batch"} for n in names}


# an MLP ending in softmax, the layers of an nn.Sequential (parameter names 0.weight, 2.weight, ...)
mlp = nn.Sequential(nn.Flatten(), nn.Linear(12, 16), nn.ReLU(), nn.Linear(16, 8), nn.Tanh(), nn.Linear(8, 3), nn.Softmax(dim=1))
export("mlp", mlp, [torch.randn(5, 3, 4)], ["input.1"], ["probs"], batch("input.1", "probs"))


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1, self.fc2, self.fc3 = nn.Linear(400, 120), nn.Linear(120, 84), nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        return F.log_softmax(self.fc3(F.relu(self.fc2(F.relu(self.fc1(x))))), dim=1)


export("lenet", LeNet(), [torch.randn(3, 1, 28, 28)], ["input"], ["log_probs"], batch("input", "log_probs"))


class ConvBn(nn.Module):
    """A conv net with batch norm in evaluation mode, a stride, average pooling and a global average."""
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, stride=2, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 12, (3, 1), dilation=(1, 2))
        self.bn2 = nn.BatchNorm2d(12, eps=1e-3)
        self.head = nn.Linear(12, 4)

    def forward(self, x):
        x = F.avg_pool2d(F.relu(self.bn(self.conv(x))), 2)
        x = F.leaky_relu(self.bn2(self.conv2(x)), 0.2)
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)
        return self.head(x)


cbn = ConvBn()
with torch.no_grad():  # running statistics as after training
    for bn in (cbn.bn, cbn.bn2):
        bn.running_mean.uniform_(-0.5, 0.5)
        bn.running_var.uniform_(0.5, 2.0)
        bn.weight.uniform_(0.5, 1.5)
        bn.bias.uniform_(-0.2, 0.2)
# PRESERVE keeps BatchNormalization nodes (in evaluation mode) rather than folding them into the convolutions
export("conv_bn", cbn, [torch.randn(2, 3, 16, 12)], ["image"], ["scores"], batch("image", "scores"),
       training=torch.onnx.TrainingMode.PRESERVE)


class Mix(nn.Module):
    """Elementwise ops and reshape, transpose, concat, slice, split and pad over a symbolic batch."""
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(6, 8)
        self.scale = nn.Parameter(torch.randn(8) * 0.5 + 1)
        self.prelu = nn.PReLU()

    def forward(self, x, t):
        h = self.proj(x)                                   # [b, 4, 8]: MatMul + Add
        h = h * self.scale - 0.5
        h = torch.clamp(h, -2.0, 3.0) / 2 + torch.sqrt(torch.abs(h) + 1) ** 2
        a, b = torch.split(h, [3, 5], dim=2)
        c = torch.cat([torch.sigmoid(a), F.elu(b), F.selu(b)], dim=2)    # [b, 4, 13]
        c = c.transpose(1, 2)                              # [b, 13, 4]
        c = F.pad(c, (1, 2))                               # [b, 13, 7]
        r = c.reshape(c.shape[0], -1)                      # the Shape → Gather → Concat → Reshape chain
        s = r[:, 5:40] + torch.exp(-t[:, :1])
        out = torch.cat([F.softplus(s), F.softsign(s), self.prelu(s)], dim=1)
        return out, torch.log_softmax(s, dim=-1), s.mean(dim=1, keepdim=True)


export("mix", Mix(), [torch.randn(3, 4, 6), torch.randn(3, 5)], ["x", "t"], ["out", "logp", "avg"],
       batch("x", "t", "out", "logp", "avg"))


class CharRnn(nn.Module):
    """Embeddings, a batch-first LSTM or GRU over a symbolic batch and sequence, logits at every step and at the last."""
    def __init__(self, cell):
        super().__init__()
        self.emb = nn.Embedding(30, 10)
        self.rnn = cell(10, 16, batch_first=True)
        self.head = nn.Linear(16, 30)

    def forward(self, tok):
        h, _ = self.rnn(self.emb(tok))
        return self.head(h), torch.log_softmax(self.head(h[:, -1]), dim=-1)


seq = {"tok": {0: "batch", 1: "seq"}, "logits": {0: "batch", 1: "seq"}, "last": {0: "batch"}}
export("char_lstm", CharRnn(nn.LSTM), [torch.randint(0, 30, (3, 7))], ["tok"], ["logits", "last"], seq)
export("char_gru", CharRnn(nn.GRU), [torch.randint(0, 30, (2, 9))], ["tok"], ["logits", "last"], seq)


class Block(nn.Module):
    """A transformer's feed-forward half over [batch, seq, d]: layer norm, a rank-3 product, GELU, the residual."""
    def __init__(self):
        super().__init__()
        self.ln = nn.LayerNorm(12)
        self.fc = nn.Linear(12, 24)
        self.proj = nn.Linear(24, 12)

    def forward(self, x):
        return x + self.proj(F.gelu(self.fc(self.ln(x))))


OPSET = 17  # LayerNormalization is an op from opset 17; GELU stays its erf formula until opset 20
export("ffn_block", Block(), [torch.randn(2, 5, 12)], ["x"], ["y"], {"x": {0: "batch", 1: "seq"}, "y": {0: "batch", 1: "seq"}})


class CausalHead(nn.Module):
    """One head of causal self-attention written out, as course notebooks write it: a tril buffer and masked_fill
    (Where over a mask known at export), torch.triu of scores (Trilu over the model's values), expand (Expand)."""
    def __init__(self):
        super().__init__()
        self.q, self.k, self.v = nn.Linear(16, 16), nn.Linear(16, 16), nn.Linear(16, 16)
        self.register_buffer("mask", torch.tril(torch.ones(8, 8)))

    def forward(self, x):
        q, k, v = self.q(x), self.k(x), self.v(x)
        s = (q @ k.transpose(-2, -1) / 4).masked_fill(self.mask == 0, float("-inf"))
        first = x[:, :1].expand(-1, 8, -1)
        return F.softmax(s, -1) @ v + torch.triu(first @ v.transpose(-2, -1), diagonal=1) @ x


export("causal_head", CausalHead(), [torch.randn(3, 8, 16)], ["x"], ["y"], batch("x", "y"))
print("wrote", OUT)
