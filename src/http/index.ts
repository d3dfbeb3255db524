export { type CheckedTarget, checkTarget, isCalendarDate, MAX_TARGET, pathProblem } from './_path.js';
export {
  answerClientErrors,
  closeServer,
  isLoopbackBind,
  listenOnce,
  rawBadRequest,
  urlHost,
} from './_server.js';
