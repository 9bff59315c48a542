import { redirect } from "next/navigation";

/** `/admin` opens the first admin page. */
export default function Page() {
  redirect("/admin/tools");
}
