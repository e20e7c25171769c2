export { uuidv7 } from "../../events/uuidv7.ts";
