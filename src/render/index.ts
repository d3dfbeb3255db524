export {
  type BrandContext,
  brandContext,
  DEFAULT_BRAND,
  postalAddressWarning,
  postalLines,
} from './_brand.js';
export { type Fitted, fitToBudget, type TrimStep } from './_budget.js';
export { AA_TEXT, contrast, DARK_BACKGROUND, darkVariant, LIGHT_BACKGROUND } from './_color.js';
export {
  type BrandView,
  CONTENT_WIDTH,
  defaultIntro,
  type ImageView,
  type ItemView,
  type LeadView,
  type LinkView,
  MIN_IMAGE_WIDTH,
  OTHER_SECTION,
  type OutletView,
  type RenderContext,
  type SectionView,
  sectionsOf,
  type TemplateContext,
  THUMB_WIDTH,
} from './_context.js';
export { DEFAULT_DATE_FORMAT } from './_helpers.js';
export { MJML_OPTIONS, preloadMjml } from './_mjml.js';
export { escapeHtml, genericRecipient, PLACEHOLDERS, personalize } from './_placeholders.js';
export { PREHEADER_MAX, renderDigest, SUBJECT_MAX } from './_render.js';
export {
  type CompiledTemplate,
  loadTemplates,
  PARTIALS_DIR,
  TEMPLATE_FILES,
  type Templates,
} from './_templates.js';
export { singleLine, truncate, wrap } from './_text.js';
export { host, safeUrl, UNSAFE_URL } from './_url.js';
