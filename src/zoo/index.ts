// The architecture zoo: weightless, shape-inferred graphs of the models the parallel-inference
// literature evaluates, each with the published figures it is checked against.
import { HeteroError } from '../errors.js';
import { inferShapes } from '../graph/shape-inference.js';
import type { Graph } from '../graph/types.js';
import { bert } from './bert.js';
import { densenet121 } from './densenet.js';
import { dsCnn } from './ds-cnn.js';
import { efficientnetB0 } from './efficientnet.js';
import { googlenet } from './googlenet.js';
import { gpt2 } from './gpt2.js';
import { inceptionV3 } from './inception.js';
import { mnasnet10 } from './mnasnet.js';
import { mobilenetV2, mobilenetV3Large } from './mobilenet.js';
import { mobilevitS } from './mobilevit.js';
import { posenet } from './posenet.js';
import { resnet18, resnet50 } from './resnet.js';
import { retinaface } from './retinaface.js';
import { shufflenetV2 } from './shufflenet.js';
import { squeezenet11 } from './squeezenet.js';
import { fastStyleTransfer } from './style-transfer.js';
import { vgg16 } from './vgg.js';
import { deitSmall, deitTiny, vitB16 } from './vit.js';
import { whisperTinyEncoder } from './whisper.js';
import { yolov2, yolov4Tiny } from './yolo.js';

export { GraphBuilder } from './builder.js';
export type { Sym } from './builder.js';
export { BERT_BASE, bert, type BertConfig } from './bert.js';

/** A published figure and where it comes from. */
export interface PublishedFigure {
  value: number;
  source: string;
  /** What the figure counts, when that differs from what the zoo graph counts. */
  note?: string;
}

export interface ZooEntry {
  name: string;
  description: string;
  /** The paper that defines the architecture. */
  paper: string;
  /** Input shapes, e.g. { input: [1, 3, 224, 224] }. */
  inputs: Record<string, number[]>;
  /** Multiply-accumulates of one inference (batch 1), when published. */
  macs?: PublishedFigure;
  /** Parameter count, when published. */
  params?: PublishedFigure;
  build: () => Graph;
}

const TORCHVISION = 'torchvision model docs, weights metadata (_ops in GFLOPS = GMACs, num_params)';
const DEIT_PAPER =
  'Touvron et al., Training data-efficient image transformers & distillation through attention, ICML 2021';

const ENTRIES: ZooEntry[] = [
  {
    name: 'vgg16',
    description: 'VGG-16 (configuration D), 224×224, torchvision layout without BN',
    paper:
      'Simonyan & Zisserman, Very Deep Convolutional Networks for Large-Scale Image Recognition, ICLR 2015',
    inputs: { input: [1, 3, 224, 224] },
    macs: { value: 15.47e9, source: `${TORCHVISION}: VGG16_Weights.IMAGENET1K_V1` },
    params: { value: 138_357_544, source: `${TORCHVISION}: VGG16_Weights.IMAGENET1K_V1` },
    build: () => vgg16(),
  },
  {
    name: 'resnet50',
    description: 'ResNet-50 (v1.5: stride on the 3×3), 224×224',
    paper: 'He et al., Deep Residual Learning for Image Recognition, CVPR 2016',
    inputs: { input: [1, 3, 224, 224] },
    macs: { value: 4.09e9, source: `${TORCHVISION}: ResNet50_Weights.IMAGENET1K_V1` },
    params: {
      value: 25_557_032,
      source: `${TORCHVISION}: ResNet50_Weights.IMAGENET1K_V1`,
      note: 'excludes BN running mean/var (buffers), which the zoo graph holds as constants',
    },
    build: () => resnet50(),
  },
  {
    name: 'mobilenetv2',
    description: 'MobileNetV2, width 1.0, 224×224',
    paper: 'Sandler et al., MobileNetV2: Inverted Residuals and Linear Bottlenecks, CVPR 2018',
    inputs: { input: [1, 3, 224, 224] },
    macs: {
      value: 0.3e9,
      source: `${TORCHVISION}: MobileNet_V2_Weights.IMAGENET1K_V1 (paper: 300M multiply-adds)`,
    },
    params: {
      value: 3_504_872,
      source: `${TORCHVISION}: MobileNet_V2_Weights.IMAGENET1K_V1`,
      note: 'excludes BN running mean/var',
    },
    build: () => mobilenetV2(),
  },
  {
    name: 'inceptionv3',
    description: 'Inception-v3, 299×299, inference graph (no auxiliary classifier)',
    paper: 'Szegedy et al., Rethinking the Inception Architecture for Computer Vision, CVPR 2016',
    inputs: { input: [1, 3, 299, 299] },
    macs: {
      value: 5.71e9,
      source: `${TORCHVISION}: Inception_V3_Weights.IMAGENET1K_V1 (eval mode: aux not run)`,
    },
    params: {
      value: 27_161_264 - 3_326_696,
      source: `${TORCHVISION}: Inception_V3_Weights.IMAGENET1K_V1, 27,161,264`,
      note:
        'minus the AuxLogits head (conv 768→128 1×1 + BN, conv 128→768 5×5 + BN, fc 768→1000: 3,326,696), ' +
        'which torchvision counts but inference does not run; excludes BN running mean/var',
    },
    build: () => inceptionV3(),
  },
  {
    name: 'yolov2',
    description: 'YOLOv2 416×416 (Darknet yolov2-voc.cfg: Darknet-19 + passthrough/reorg, 125 outputs)',
    // No MACs figure is published for exactly this cfg: Darknet's VOC-416 row (34.90 Bn) is the first
    // release without the 1×1×64 passthrough conv, its COCO-608 row (62.94 Bn) has it. The tests check
    // both variants (yolov2() options) against those rows.
    paper: 'Redmon & Farhadi, YOLO9000: Better, Faster, Stronger, CVPR 2017',
    inputs: { input: [1, 3, 416, 416] },
    params: {
      value: 50_676_061,
      source:
        'Zhang, Mahmud & Kouzani, Resource-constrained FPGA implementation of YOLOv2, Neural Computing and ' +
        'Applications 34 (2022): 50,676,061 parameters, 34.90 GOP (VOC, 416×416)',
      note: 'counts BN scale, shift, mean and var, as the zoo graph does',
    },
    build: () => yolov2(),
  },
  {
    name: 'posenet',
    description: 'TF.js PoseNet, MobileNetV1 1.0, output stride 16, 257×257',
    paper:
      'Papandreou et al., PersonLab, ECCV 2018; Howard et al., MobileNets, 2017; @tensorflow-models/posenet (TF.js). ' +
      "Note: CoDL's 'PoseNet' (csu-eis/CoDL nn_model_builder.cc) is a different, VGG/CPM-style net at 256×256",
    inputs: { input: [1, 3, 257, 257] },
    build: () => posenet(),
  },
  {
    name: 'retinaface',
    description: 'RetinaFace, ResNet-50 backbone, 640×640 (PyTorch port: FPN C3–C5, SSH, 2 anchors)',
    paper:
      'Deng et al., RetinaFace: Single-shot Multi-level Face Localisation in the Wild, CVPR 2020; ' +
      'backbone and size as in CoDL (Jia et al., MobiSys 2022; csu-eis/CoDL nn_model_builder.cc)',
    inputs: { input: [1, 3, 640, 640] },
    macs: {
      value: 88.8627e9 / 2,
      source: 'OpenVINO Open Model Zoo, retinaface-resnet50-pytorch: 88.8627 GFLOPs',
      note: 'OMZ counts 2 FLOPs per multiply-add (its resnet-50-pytorch lists 8.216 GFLOPs)',
    },
    params: {
      value: 27_264_600,
      source: 'OpenVINO Open Model Zoo, retinaface-resnet50-pytorch: 27.2646 MParams',
    },
    build: () => retinaface(),
  },
  {
    name: 'fast-style-transfer',
    description: 'Johnson et al. transformation network with instance norm, 480×640 (as CoDL ran it)',
    paper:
      'Johnson, Alahi & Fei-Fei, Perceptual Losses for Real-Time Style Transfer and Super-Resolution, ECCV 2016; ' +
      'input size from CoDL (csu-eis/CoDL nn_model_builder.cc)',
    inputs: { input: [1, 3, 480, 640] },
    build: () => fastStyleTransfer(),
  },
  {
    name: 'bert-base',
    description: 'BERT-base uncased, sequence 128, 12 layers, hidden 768 (Erf GELU, with pooler)',
    paper: 'Devlin et al., BERT: Pre-training of Deep Bidirectional Transformers, NAACL 2019',
    inputs: { input_ids: [1, 128], token_type_ids: [1, 128], attention_mask: [1, 128] },
    macs: {
      value: 22.5e9 / 2,
      source: 'Jiao et al., TinyBERT, Findings of EMNLP 2020, Table 1: BERT-base 22.5B FLOPs at sequence 128',
      note: 'FLOPs = 2 × MACs',
    },
    params: {
      value: 110e6,
      source: 'Devlin et al. 2019, Section 3: BERT-base 110M parameters (Hugging Face count: 109,482,240)',
    },
    build: () => bert(),
  },
  {
    name: 'vit-b16',
    description: 'ViT-B/16, 224×224',
    paper: 'Dosovitskiy et al., An Image is Worth 16x16 Words, ICLR 2021',
    inputs: { input: [1, 3, 224, 224] },
    macs: { value: 17.56e9, source: `${TORCHVISION}: ViT_B_16_Weights.IMAGENET1K_V1` },
    params: { value: 86_567_656, source: `${TORCHVISION}: ViT_B_16_Weights.IMAGENET1K_V1` },
    build: () => vitB16(),
  },
  {
    name: 'deit-small',
    description: 'DeiT-S (ViT-S/16: width 384, 6 heads, 12 layers), 224×224',
    paper: DEIT_PAPER,
    inputs: { input: [1, 3, 224, 224] },
    macs: { value: 4.6e9, source: 'timm model card deit_small_patch16_224.fb_in1k: GMACs 4.6' },
    params: { value: 22.1e6, source: 'timm model card deit_small_patch16_224.fb_in1k: Params (M) 22.1' },
    build: () => deitSmall(),
  },
  {
    name: 'deit-tiny',
    description: 'DeiT-Ti (ViT-Ti/16: width 192, 3 heads, 12 layers), 224×224',
    paper: DEIT_PAPER,
    inputs: { input: [1, 3, 224, 224] },
    params: { value: 5.7e6, source: 'timm model card deit_tiny_patch16_224.fb_in1k: Params (M) 5.7' },
    build: () => deitTiny(),
  },
  {
    name: 'mobilenetv3-large',
    description: 'MobileNetV3-Large 1.0, 224×224 (hard-swish, SE blocks)',
    paper: 'Howard et al., Searching for MobileNetV3, ICCV 2019',
    inputs: { input: [1, 3, 224, 224] },
    macs: {
      value: 0.22e9,
      source: `${TORCHVISION}: MobileNet_V3_Large_Weights.IMAGENET1K_V1 (paper: 219M MAdds)`,
    },
    params: {
      value: 5_483_032,
      source: `${TORCHVISION}: MobileNet_V3_Large_Weights.IMAGENET1K_V1`,
      note: 'excludes BN running mean/var',
    },
    build: () => mobilenetV3Large(),
  },
  {
    name: 'efficientnet-b0',
    description: 'EfficientNet-B0, 224×224 (MBConv with squeeze-excite, SiLU as Sigmoid × x)',
    paper: 'Tan & Le, EfficientNet: Rethinking Model Scaling for Convolutional Neural Networks, ICML 2019',
    inputs: { input: [1, 3, 224, 224] },
    macs: { value: 0.39e9, source: `${TORCHVISION}: EfficientNet_B0_Weights.IMAGENET1K_V1` },
    params: { value: 5_288_548, source: `${TORCHVISION}: EfficientNet_B0_Weights.IMAGENET1K_V1` },
    build: () => efficientnetB0(),
  },
  {
    name: 'squeezenet1.1',
    description: 'SqueezeNet 1.1, 224×224 (Fire modules: 1×1 squeeze, 1×1 and 3×3 expand, concatenated)',
    paper:
      'Iandola et al., SqueezeNet: AlexNet-level accuracy with 50x fewer parameters and <0.5MB model size, arXiv 1602.07360',
    inputs: { input: [1, 3, 224, 224] },
    macs: {
      value: 0.349e9,
      source: `${TORCHVISION}: SqueezeNet1_1_Weights.IMAGENET1K_V1 (torchvision source meta _ops 0.349)`,
    },
    params: { value: 1_235_496, source: `${TORCHVISION}: SqueezeNet1_1_Weights.IMAGENET1K_V1` },
    build: () => squeezenet11(),
  },
  {
    name: 'densenet121',
    description: 'DenseNet-121 (growth 32, blocks 6/12/24/16), 224×224',
    paper: 'Huang et al., Densely Connected Convolutional Networks, CVPR 2017',
    inputs: { input: [1, 3, 224, 224] },
    macs: { value: 2.83e9, source: `${TORCHVISION}: DenseNet121_Weights.IMAGENET1K_V1` },
    params: { value: 7_978_856, source: `${TORCHVISION}: DenseNet121_Weights.IMAGENET1K_V1` },
    build: () => densenet121(),
  },
  {
    name: 'shufflenetv2-1.0',
    description: 'ShuffleNetV2 1.0×, 224×224 (channel split, depthwise units, channel shuffle)',
    paper: 'Ma et al., ShuffleNet V2: Practical Guidelines for Efficient CNN Architecture Design, ECCV 2018',
    inputs: { input: [1, 3, 224, 224] },
    macs: {
      value: 0.145e9,
      source: `${TORCHVISION}: ShuffleNet_V2_X1_0_Weights.IMAGENET1K_V1 (torchvision source meta _ops 0.145)`,
    },
    params: { value: 2_278_604, source: `${TORCHVISION}: ShuffleNet_V2_X1_0_Weights.IMAGENET1K_V1` },
    build: () => shufflenetV2(),
  },
  {
    name: 'ds-cnn-m',
    description:
      'DS-CNN-M keyword spotting, 49×10 MFCC (1 s), 172 channels: a 10×4 conv and 4 depthwise-separable layers',
    paper: 'Zhang et al., Hello Edge: Keyword Spotting on Microcontrollers, arXiv 1711.07128',
    inputs: { mfcc: [1, 1, 49, 10] },
    macs: {
      value: 19.8e6 / 2,
      source:
        "Hello Edge (arXiv 1711.07128) and ARM-software/ML-KWS-for-MCU README: DS-CNN M, 19.8 M operations (2 per MAC); layer sizes from that repository's train_commands.txt",
      note: 'the published memory figure (189.7 KB) counts 8-bit weights and activations, not parameters',
    },
    build: () => dsCnn({ size: 'm' }),
  },
  {
    name: 'resnet18',
    description: 'ResNet-18 (basic blocks 2/2/2/2), 224×224',
    paper: 'He et al., Deep Residual Learning for Image Recognition, CVPR 2016',
    inputs: { input: [1, 3, 224, 224] },
    macs: {
      value: 1.814e9,
      source: `${TORCHVISION}: ResNet18_Weights.IMAGENET1K_V1 (torchvision source meta _ops 1.814)`,
    },
    params: {
      value: 11_689_512,
      source: `${TORCHVISION}: ResNet18_Weights.IMAGENET1K_V1`,
      note: 'excludes BN running mean/var',
    },
    build: () => resnet18(),
  },
  {
    name: 'mnasnet1.0',
    description: 'MnasNet-B1 1.0, 224×224 (inverted residuals with 3×3 and 5×5 depthwise convs, no SE)',
    paper: 'Tan et al., MnasNet: Platform-Aware Neural Architecture Search for Mobile, CVPR 2019',
    inputs: { input: [1, 3, 224, 224] },
    macs: {
      value: 0.314e9,
      source: `${TORCHVISION}: MNASNet1_0_Weights.IMAGENET1K_V1 (torchvision source meta _ops 0.314)`,
    },
    params: {
      value: 4_383_312,
      source: `${TORCHVISION}: MNASNet1_0_Weights.IMAGENET1K_V1`,
      note: 'excludes BN running mean/var',
    },
    build: () => mnasnet10(),
  },
  {
    name: 'googlenet',
    description:
      'GoogLeNet (Inception v1) with BatchNorm, 224×224, torchvision layout (3×3 in the "5×5" branch)',
    paper: 'Szegedy et al., Going Deeper with Convolutions, CVPR 2015',
    inputs: { input: [1, 3, 224, 224] },
    macs: { value: 1.5e9, source: `${TORCHVISION}: GoogLeNet_Weights.IMAGENET1K_V1` },
    params: {
      value: 6_624_904,
      source: `${TORCHVISION}: GoogLeNet_Weights.IMAGENET1K_V1`,
      note: 'excludes BN running mean/var and the aux classifiers, which do not run at inference',
    },
    build: () => googlenet(),
  },
  {
    name: 'mobilevit-s',
    description:
      'MobileViT-S, 256×256 (MobileNetV2 blocks with SiLU; three MobileViT blocks: 2×2 patches, 4-head transformers of width 144/192/240)',
    paper:
      'Mehta & Rastegari, MobileViT: Light-weight, General-purpose, and Mobile-friendly Vision Transformer, ICLR 2022',
    inputs: { input: [1, 3, 256, 256] },
    params: {
      value: 5.6e6,
      source: 'MobileViT paper (arXiv 2110.02178), ImageNet-1k results: MobileViT-S, 5.6 M parameters',
      note: 'excludes BN running mean/var',
    },
    build: () => mobilevitS(),
  },
  {
    name: 'whisper-tiny-encoder',
    description:
      "Whisper-tiny's audio encoder, 30 s of 80-band log-mel (two 1-D convs with GELU, 4 pre-norm transformer blocks of width 384, 6 heads)",
    paper: 'Radford et al., Robust Speech Recognition via Large-Scale Weak Supervision, ICML 2023',
    inputs: { input_features: [1, 80, 3000] },
    build: () => whisperTinyEncoder(),
  },
  {
    name: 'yolov4-tiny',
    description:
      'YOLOv4-tiny 416×416 (darknet yolov4-tiny.cfg, COCO: three CSP blocks with channel split, LeakyReLU, two heads with ×2 upsampling)',
    paper: 'Bochkovskiy et al., YOLOv4: Optimal Speed and Accuracy of Object Detection, arXiv 2004.10934',
    inputs: { input: [1, 3, 416, 416] },
    macs: {
      value: 6.9e9 / 2,
      source: 'AlexeyAB/darknet README: yolov4-tiny.cfg, 6.9 BFlops at 416×416 (2 per MAC)',
    },
    build: () => yolov4Tiny(),
  },
  {
    name: 'gpt2',
    description:
      'GPT-2 small over a 64-token prompt (12 pre-norm causal decoder blocks of width 768, tanh GELU, LM head over 50,257 tokens)',
    paper: 'Radford et al., Language Models are Unsupervised Multitask Learners, OpenAI 2019',
    inputs: { input_ids: [1, 64] },
    build: () => gpt2(),
  },
];

const BY_NAME = new Map(ENTRIES.map((e) => [e.name, e]));

/** Every zoo entry, in registry order. */
export function zooEntries(): readonly ZooEntry[] {
  return ENTRIES;
}

export function zooNames(): string[] {
  return ENTRIES.map((e) => e.name);
}

export function zooEntry(name: string): ZooEntry {
  const entry = BY_NAME.get(name);
  if (!entry) throw new HeteroError(`zoo:${name}`, `unknown zoo model; known: ${zooNames().join(', ')}`);
  return entry;
}

/** Builds a zoo model and runs shape inference on it, so every tensor has a numeric shape. */
export function buildZoo(name: string): Graph {
  return inferShapes(zooEntry(name).build()).graph;
}
