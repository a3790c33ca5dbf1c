#!/usr/bin/env python3
"""Export the small ONNX models and PyTorch reference activations used by the
tests of package onnxmodel.

Run with Debian's PyTorch (python3-torch 1.13, python3-torchvision 0.14):

    /usr/bin/python3 export.py            # writes the files next to this script

Every weight is drawn from a seeded generator, so the output is reproducible.

Files written:
  resnet_tiny.onnx   torchvision ResNet-18 layout (BasicBlock, [2, 2, 2, 2]) at
                     widths 4-8-16-32, 10 classes, input 3x32x32, dynamic batch;
                     exported in eval mode (batch norm folded into convolutions,
                     as torch.onnx.export does by default).
  vgg_tiny.onnx      torchvision VGG-11-BN layout (cfg "A", batch norm) at widths
                     4-8-16-32-32, with torchvision's AdaptiveAvgPool2d((7, 7))
                     and a 3-layer classifier of width 32, 10 classes, input
                     3x224x224, fixed batch 1 (as a plain export gives); exported
                     with training=PRESERVE and no constant folding, so that its
                     BatchNormalization operators stay in the graph.
  leakyrelu.onnx     a convolution followed by nn.LeakyReLU: "LeakyRelu" is an
                     operator the ONNX importer lacks (for the error test).
  activations.onnx   convolutions with SiLU (exported as Sigmoid and Mul),
                     Hardswish (HardSwish) and Hardsigmoid (HardSigmoid), opset
                     14: operators the importer lacks and onnxmodel rewrites.
                     Input 2x3x8x8; reference act_input, act_output.
  ceilmode.onnx      a convolution followed by MaxPool2d(3, 2, ceil_mode=True)
                     on a 10x10 map (ceil mode: 5x5, floor mode 4x4), which
                     onnxmodel rewrites. Input 2x3x12x12 (fixed batch 2);
                     reference ceil_input, ceil_output.
  avgceil.onnx       a convolution followed by AvgPool2d(2, ceil_mode=True): an
                     attribute the importer lacks (for the error test).
  quirks.onnx        convolution, batch norm with momentum 0.01 (exported as
                     0.99) and ReLU, exported keeping the BatchNormalization
                     node, with an inference-mode Dropout node inserted before
                     the ReLU by editing the graph: two things the importer
                     refuses that do not matter for inference. Input 1x3x8x8;
                     reference quirks_input, quirks_output.
  vit_tiny.onnx      torchvision's VisionTransformer class at toy size: 32x32
                     input, patches 8x8 (16 tokens and the class token), 2
                     encoder blocks of width 16 with 2 heads and MLP width 32,
                     10 classes, dynamic batch, opset 13. The head, which
                     torchvision initializes to zero, gets seeded random
                     weights so that the logits depend on the input.
  modquirks.onnx     x[..., :(W - 13) % 4 + 1] then F.dropout(p=0) (whose
                     training argument defaults to True) and x2, on a 2x3x4x10
                     input (dynamic batch): a Gather with index -1 (x.shape[-1]),
                     an integer Mod of a negative value (Python's sign: 1, where
                     C's fmod gives -3) and a Dropout of ratio 0 in training
                     mode, all rewritten by onnxmodel. Reference modq_input,
                     modq_output.
  reference.npz      probe pixels and the PyTorch activations at several taps:
                       pixels            uint8 (4, 32, 32, 3), HWC images
                       resnet_<tap>      float32 activations of resnet_tiny for
                                         pixels/255 normalized with CIFAR stats
                       vgg_<tap>         float32 activations of vgg_tiny for the
                                         first 2 images, resized 32 -> 224
                                         (bilinear, antialias) and normalized with
                                         ImageNet stats
                       resize_up, resize_down   torch's bilinear antialiased
                                         interpolation of pixels[0]/255 (CHW) to
                                         45x45 and 13x10
                       vit_<tap>         float32 activations of vit_tiny for
                                         pixels/255 normalized with CIFAR stats;
                                         vit_embedding is the input of the
                                         encoder's blocks (patches, class
                                         token and position embedding)
  The tap names are module paths with "." replaced by "_".
"""
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
from torchvision.models.resnet import BasicBlock, ResNet
from torchvision.models.vgg import VGG, make_layers
from torchvision.models.vision_transformer import VisionTransformer

HERE = os.path.dirname(os.path.abspath(__file__))

CIFAR_MEAN = [0.4914, 0.4822, 0.4465]
CIFAR_STD = [0.2470, 0.2435, 0.2616]
IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]


def randomize_batchnorm(model, gen):
    """Give every batch norm non-trivial affine parameters and running stats."""
    for mod in model.modules():
        if isinstance(mod, nn.BatchNorm2d):
            c = mod.num_features
            with torch.no_grad():
                mod.weight.copy_(0.5 + torch.rand(c, generator=gen))
                mod.bias.copy_(0.2 * torch.randn(c, generator=gen))
                mod.running_mean.copy_(0.2 * torch.randn(c, generator=gen))
                mod.running_var.copy_(0.5 + torch.rand(c, generator=gen))


def tiny_resnet(widths=(4, 8, 16, 32), num_classes=10):
    """torchvision's ResNet class with BasicBlock [2, 2, 2, 2] (ResNet-18) at
    reduced widths: the same modules, names and forward, built with the class's
    own _make_layer."""
    model = ResNet(BasicBlock, [2, 2, 2, 2], num_classes=num_classes)
    model.inplanes = widths[0]
    model.conv1 = nn.Conv2d(3, widths[0], kernel_size=7, stride=2, padding=3, bias=False)
    model.bn1 = nn.BatchNorm2d(widths[0])
    model.layer1 = model._make_layer(BasicBlock, widths[0], 2)
    model.layer2 = model._make_layer(BasicBlock, widths[1], 2, stride=2)
    model.layer3 = model._make_layer(BasicBlock, widths[2], 2, stride=2)
    model.layer4 = model._make_layer(BasicBlock, widths[3], 2, stride=2)
    model.fc = nn.Linear(widths[3], num_classes)
    for mod in model.modules():  # torchvision's initialization
        if isinstance(mod, nn.Conv2d):
            nn.init.kaiming_normal_(mod.weight, mode="fan_out", nonlinearity="relu")
    return model


def tiny_vgg(num_classes=10):
    """torchvision's VGG class with VGG-11-BN's configuration "A" at 1/16 width
    (last stages 32) and a classifier of the same layout at width 32."""
    cfg = [4, "M", 8, "M", 16, 16, "M", 32, 32, "M", 32, 32, "M"]
    model = VGG(make_layers(cfg, batch_norm=True), num_classes=num_classes)
    model.classifier = nn.Sequential(
        nn.Linear(32 * 7 * 7, 32), nn.ReLU(True), nn.Dropout(),
        nn.Linear(32, 32), nn.ReLU(True), nn.Dropout(),
        nn.Linear(32, num_classes),
    )
    for mod in model.classifier:
        if isinstance(mod, nn.Linear):
            nn.init.normal_(mod.weight, 0, 0.05)
            nn.init.constant_(mod.bias, 0.01)
    return model


def tiny_vit(num_classes=10):
    """torchvision's VisionTransformer class at toy size, with a seeded random
    head (torchvision initializes it to zero)."""
    model = VisionTransformer(image_size=32, patch_size=8, num_layers=2, num_heads=2,
                              hidden_dim=16, mlp_dim=32, num_classes=num_classes)
    with torch.no_grad():
        nn.init.normal_(model.heads.head.weight, 0, 0.2)
        nn.init.normal_(model.heads.head.bias, 0, 0.1)
        # The class token and position embedding start as zeros and N(0, 0.02):
        # give them the scale of the patch embedding.
        nn.init.normal_(model.class_token, 0, 0.5)
        nn.init.normal_(model.encoder.pos_embedding, 0, 0.5)
    return model


class ModQuirks(nn.Module):
    """Shape arithmetic with a negative index and Python's modulo, and a
    dropout of ratio 0 left in training mode."""

    def forward(self, x):
        k = (x.shape[-1] - 13) % 4
        return 2 * F.dropout(x[..., :k + 1], p=0.0)


def capture(model, x, taps):
    """Runs model on x and returns the outputs of the named modules."""
    out = {}
    mods = dict(model.named_modules())
    hooks = [mods[t].register_forward_hook(lambda m, i, o, t=t: out.__setitem__(t, o.detach().clone()))
             for t in taps]
    with torch.no_grad():
        out["output"] = model(x)
    for h in hooks:
        h.remove()
    return out


def normalize(x, mean, std):
    return (x - torch.tensor(mean).view(1, 3, 1, 1)) / torch.tensor(std).view(1, 3, 1, 1)


def main():
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(1)
    rng = np.random.default_rng(2)

    # Probe images: smooth random colour fields with noise, 8-bit HWC.
    yy, xx = np.meshgrid(np.arange(32), np.arange(32), indexing="ij")
    pixels = np.zeros((4, 32, 32, 3), dtype=np.uint8)
    for i in range(4):
        for c in range(3):
            f = rng.uniform(0.05, 0.4, size=2)
            ph = rng.uniform(0, 6.3, size=2)
            v = 0.5 + 0.3 * np.sin(f[0] * xx + ph[0]) * np.cos(f[1] * yy + ph[1])
            v += 0.1 * rng.standard_normal((32, 32))
            pixels[i, :, :, c] = np.clip(np.round(255 * v), 0, 255).astype(np.uint8)
    x = torch.from_numpy(pixels.astype(np.float32) / 255).permute(0, 3, 1, 2).contiguous()

    ref = {"pixels": pixels}

    # ResNet.
    resnet = tiny_resnet()
    randomize_batchnorm(resnet, gen)
    resnet.eval()
    torch.onnx.export(resnet, torch.zeros(1, 3, 32, 32), os.path.join(HERE, "resnet_tiny.onnx"),
                      opset_version=13, input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    taps = ["relu", "maxpool", "layer1.1", "layer2.0", "layer3.1", "layer4.1", "avgpool"]
    got = capture(resnet, normalize(x, CIFAR_MEAN, CIFAR_STD), taps)
    for t, v in got.items():
        ref["resnet_" + t.replace(".", "_")] = v.numpy().astype(np.float32)

    # VGG.
    vgg = tiny_vgg()
    randomize_batchnorm(vgg, gen)
    vgg.eval()
    torch.onnx.export(vgg, torch.zeros(1, 3, 224, 224), os.path.join(HERE, "vgg_tiny.onnx"),
                      opset_version=13, training=torch.onnx.TrainingMode.PRESERVE,
                      do_constant_folding=False)
    xv = F.interpolate(x[:2], size=(224, 224), mode="bilinear", align_corners=False, antialias=True)
    taps = ["features.14", "features.27", "avgpool", "classifier.1", "classifier.4"]
    got = capture(vgg, normalize(xv, IMAGENET_MEAN, IMAGENET_STD), taps)
    for t, v in got.items():
        ref["vgg_" + t.replace(".", "_")] = v.numpy().astype(np.float32)

    # Resizing references.
    ref["resize_up"] = F.interpolate(x[:1], size=(45, 45), mode="bilinear", align_corners=False,
                                     antialias=True)[0].numpy()
    ref["resize_down"] = F.interpolate(x[:1], size=(13, 10), mode="bilinear", align_corners=False,
                                       antialias=True)[0].numpy()

    # A model with an operator the importer lacks.
    leaky = nn.Sequential(nn.Conv2d(3, 2, 3), nn.LeakyReLU(0.1))
    leaky.eval()
    torch.onnx.export(leaky, torch.zeros(1, 3, 8, 8), os.path.join(HERE, "leakyrelu.onnx"), opset_version=13)

    # Activations the importer lacks, which onnxmodel rewrites.
    act = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.SiLU(), nn.Conv2d(4, 4, 3, padding=1),
                        nn.Hardswish(), nn.Conv2d(4, 4, 3, padding=1), nn.Hardsigmoid())
    act.eval()
    torch.onnx.export(act, torch.zeros(1, 3, 8, 8), os.path.join(HERE, "activations.onnx"), opset_version=14,
                      dynamic_axes={"input": {0: "batch"}}, input_names=["input"])
    xa = torch.from_numpy(3 * rng.standard_normal((2, 3, 8, 8)).astype(np.float32))
    with torch.no_grad():
        ref["act_input"] = xa.numpy()
        ref["act_output"] = act(xa).numpy()

    ceil = nn.Sequential(nn.Conv2d(3, 2, 3), nn.MaxPool2d(3, 2, ceil_mode=True))
    ceil.eval()
    xc = torch.from_numpy(rng.standard_normal((2, 3, 12, 12)).astype(np.float32))
    torch.onnx.export(ceil, xc, os.path.join(HERE, "ceilmode.onnx"), opset_version=13)
    with torch.no_grad():
        ref["ceil_input"] = xc.numpy()
        ref["ceil_output"] = ceil(xc).numpy()
    avg = nn.Sequential(nn.Conv2d(3, 2, 3), nn.AvgPool2d(2, ceil_mode=True))
    avg.eval()
    torch.onnx.export(avg, torch.zeros(1, 3, 9, 9), os.path.join(HERE, "avgceil.onnx"), opset_version=13)

    # Inference-irrelevant attributes the importer refuses.
    quirks = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4, momentum=0.01), nn.ReLU())
    randomize_batchnorm(quirks, gen)
    quirks.eval()
    path = os.path.join(HERE, "quirks.onnx")
    torch.onnx.export(quirks, torch.zeros(1, 3, 8, 8), path, opset_version=13,
                      training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False)
    import onnx
    from onnx import helper
    model = onnx.load(path)
    g = model.graph
    relu = [n for n in g.node if n.op_type == "Relu"][0]
    bn = [n for n in g.node if n.op_type == "BatchNormalization"][0]
    assert abs([a.f for a in bn.attribute if a.name == "momentum"][0] - 0.99) < 1e-6
    drop = helper.make_node("Dropout", [relu.input[0]], ["dropped"], name="/dropout/Dropout")
    relu.input[0] = "dropped"
    g.node.insert(list(g.node).index(relu), drop)
    onnx.checker.check_model(model)
    onnx.save(model, path)
    xq = torch.from_numpy(rng.standard_normal((1, 3, 8, 8)).astype(np.float32))
    with torch.no_grad():
        ref["quirks_input"] = xq.numpy()
        ref["quirks_output"] = quirks(xq).numpy()

    # Vision Transformer.
    vit = tiny_vit()
    vit.eval()
    torch.onnx.export(vit, torch.zeros(1, 3, 32, 32), os.path.join(HERE, "vit_tiny.onnx"),
                      opset_version=13, input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    taps = ["encoder.dropout", "encoder.layers.encoder_layer_0", "encoder.layers.encoder_layer_1", "encoder.ln"]
    got = capture(vit, normalize(x, CIFAR_MEAN, CIFAR_STD), taps)
    got["embedding"] = got.pop("encoder.dropout")  # dropout is the identity in eval mode
    for t, v in got.items():
        ref["vit_" + t.replace(".", "_")] = v.numpy().astype(np.float32)

    modq = ModQuirks().eval()
    xm = torch.from_numpy(rng.standard_normal((2, 3, 4, 10)).astype(np.float32))
    torch.onnx.export(modq, xm, os.path.join(HERE, "modquirks.onnx"), opset_version=13,
                      input_names=["input"], dynamic_axes={"input": {0: "batch"}})
    with torch.no_grad():
        ref["modq_input"] = xm.numpy()
        ref["modq_output"] = modq(xm).numpy()

    np.savez(os.path.join(HERE, "reference.npz"), **ref)
    for name in sorted(os.listdir(HERE)):
        print(name, os.path.getsize(os.path.join(HERE, name)))
    print("torch", torch.__version__, "torchvision", torchvision.__version__, file=sys.stderr)


if __name__ == "__main__":
    main()
