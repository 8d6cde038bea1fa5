"""Trains the course's LeNet-5 on Fashion-MNIST in PyTorch and exports it as ONNX, as a PyTorch user would.

Run where PyTorch and the data are installed (Debian: apt-get install python3-torch dataset-fashion-mnist):
    /usr/bin/python3 make_lenet.py
Writes src/main/onnx/lenet.onnx (torch.onnx.export, opset 14, the batch dimension dynamic) and
src/test/resources/lenet.recorded.safetensors: the first 32 test images as the model's input (pixels / 255) and
PyTorch's probabilities for them, and PyTorch's accuracy on all 10,000 test images (test_accuracy).
"""
import gzip, os, sys
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "compiler", "src", "test", "resources", "fixtures"))
from safetensors_io import save_file

DATA = "/usr/share/datasets/fashion-mnist"
torch.manual_seed(1)
torch.set_num_threads(os.cpu_count())


def idx(name, offset):
    with gzip.open(f"{DATA}/{name}", "rb") as f:
        return np.frombuffer(f.read(), np.uint8, offset=offset)


def images(split):
    return torch.tensor(idx(f"{split}-images-idx3-ubyte.gz", 16).reshape(-1, 1, 28, 28), dtype=torch.float32) / 255


def labels(split):
    return torch.tensor(idx(f"{split}-labels-idx1-ubyte.gz", 8), dtype=torch.long)


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
        return F.softmax(self.fc3(F.relu(self.fc2(F.relu(self.fc1(x))))), dim=1)


x, y = images("train"), labels("train")
tx, ty = images("t10k"), labels("t10k")
model = LeNet()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(6):
    model.train()
    perm = torch.randperm(len(x))
    for i in range(0, len(x), 64):
        b = perm[i:i + 64]
        loss = F.nll_loss(torch.log(model(x[b]) + 1e-12), y[b])
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        accuracy = (model(tx).argmax(1) == ty).float().mean().item()
    print(f"epoch {epoch + 1}: test accuracy {accuracy:.4f}")

torch.onnx.export(model, (tx[:2],), f"{HERE}/src/main/onnx/lenet.onnx", input_names=["image"], output_names=["probs"],
                  dynamic_axes={"image": {0: "batch"}, "probs": {0: "batch"}}, opset_version=14)
with torch.no_grad():
    probs = model(tx[:32])
save_file({"image": tx[:32], "probs": probs, "test_accuracy": torch.tensor([accuracy])},
          f"{HERE}/src/test/resources/lenet.recorded.safetensors")
