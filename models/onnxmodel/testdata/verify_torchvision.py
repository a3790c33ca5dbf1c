#!/usr/bin/env python3
"""Export full-size torchvision classifiers (random, seeded weights) with the
logits PyTorch computes for two seeded inputs, to check which architectures
the ONNX importer converts faithfully. Not needed by the tests (the files are
large); run by hand:

    /usr/bin/python3 verify_torchvision.py OUTDIR [ARCH ...]

writes OUTDIR/ARCH.onnx and OUTDIR/ARCH.npz (input float32 2x3x224x224,
output float32 2x1000 and the output of the module "features", or for
ResNets "layer4", for GoogLeNet "inception5b", for Vision Transformers
"encoder"). The models are exported as a user would: eval mode,
default constant folding, dynamic batch axis. A Vision Transformer's classification head, which
torchvision initializes to zero, gets seeded random weights so that its logits
depend on the input.
"""
import os
import sys

import numpy as np
import torch
import torchvision

ARCHS = ["resnet18", "resnet50", "vgg11_bn", "vgg16", "alexnet", "mobilenet_v2",
         "densenet121", "squeezenet1_0", "googlenet", "efficientnet_b0", "mobilenet_v3_small",
         "vit_b_16", "vit_b_32", "swin_t"]


def main():
    out = sys.argv[1]
    archs = sys.argv[2:] or ARCHS
    os.makedirs(out, exist_ok=True)
    for arch in archs:
        torch.manual_seed(0)
        kwargs = {"aux_logits": False, "init_weights": True} if arch == "googlenet" else {}
        model = getattr(torchvision.models, arch)(weights=None, **kwargs).eval()
        head = getattr(getattr(model, "heads", None), "head", None)
        if head is not None:  # torchvision initializes a ViT's head to zero
            with torch.no_grad():
                torch.nn.init.normal_(head.weight, 0, 0.02)
        x = torch.randn(2, 3, 224, 224, generator=torch.Generator().manual_seed(1))
        mid = {}
        name = next((n for n in ("layer4", "features", "inception5b", "encoder") if hasattr(model, n)), None)
        hook = None
        if name:
            hook = getattr(model, name).register_forward_hook(lambda m, i, o: mid.__setitem__("tap", o.detach().clone()))
        with torch.no_grad():
            y = model(x)
        if hook:
            hook.remove()
        path = os.path.join(out, arch + ".onnx")
        try:
            torch.onnx.export(model, x[:1], path, opset_version=13, input_names=["input"],
                              output_names=["logits"],
                              dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
        except Exception as e:  # exporter limitation, not the importer's
            print(arch, "export failed:", str(e).splitlines()[0])
            continue
        arrays = {"input": x.numpy(), "output": y.numpy()}
        if name:
            arrays[name] = mid["tap"].numpy()
        np.savez(os.path.join(out, arch + ".npz"), **arrays)
        print(arch, "exported", os.path.getsize(path))


if __name__ == "__main__":
    main()
